"""Encryption of private keys at rest.

The encryption key is derived (HKDF-SHA256) from IGNITE_KEY_ENCRYPTION_SECRET, a secret kept
apart from SECRET_KEY and from the database, so a copy of the database alone reveals no key.
Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography` does the authenticated encryption.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class KeyDecryptionError(Exception):
    """The stored key cannot be decrypted: IGNITE_KEY_ENCRYPTION_SECRET changed or is wrong."""


@functools.cache
def _fernet(secret: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"ignite.keys.v1", info=b"tool-private-keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: bytes) -> str:
    return _fernet(settings.IGNITE_KEY_ENCRYPTION_SECRET).encrypt(plaintext).decode()


def decrypt(token: str) -> bytes:
    try:
        return _fernet(settings.IGNITE_KEY_ENCRYPTION_SECRET).decrypt(token.encode())
    except InvalidToken:
        raise KeyDecryptionError(
            "A tool key cannot be decrypted: IGNITE_KEY_ENCRYPTION_SECRET is not the secret "
            "the key was stored with."
        ) from None
