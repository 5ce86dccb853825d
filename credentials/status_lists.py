"""Revocation published as W3C Bitstring Status Lists: each credential's random index, the
lists' bits, and the signed, briefly cached BitstringStatusListCredential."""

from __future__ import annotations

import base64
import gzip
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .models import IssuedCredential
from .signing import issuer_id, sign_credential

# Bits in one status list: the minimum of the Bitstring Status List spec (16 KB), which gives
# herd privacy. A new list starts once a list is half full, so random indexes stay cheap.
STATUS_LIST_SIZE = 131_072


def status_index_pick() -> int:
    """A free status-list index, at random within the newest list that is under half full."""
    used = set(
        IssuedCredential.objects.filter(status_index__isnull=False).values_list(
            "status_index", flat=True
        )
    )
    list_no = 0
    while sum(1 for i in used if i // STATUS_LIST_SIZE == list_no) >= STATUS_LIST_SIZE // 2:
        list_no += 1
    while True:
        index = list_no * STATUS_LIST_SIZE + secrets.randbelow(STATUS_LIST_SIZE)
        if index not in used:
            return index


def status_entry(origin: str, status_index: int) -> dict:
    """The credential's `credentialStatus`: its bit in a revocation list."""
    url = origin + reverse("credential-status", args=[status_index // STATUS_LIST_SIZE + 1])
    bit = status_index % STATUS_LIST_SIZE
    return {
        "id": f"{url}#{bit}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(bit),
        "statusListCredential": url,
    }


def status_lists() -> int:
    """How many revocation lists there are (the last one holds the highest index)."""
    last = (
        IssuedCredential.objects.filter(status_index__isnull=False)
        .order_by("-status_index")
        .values_list("status_index", flat=True)
        .first()
    )
    return 0 if last is None else last // STATUS_LIST_SIZE + 1


def status_list_bits(list_no: int) -> bytes:
    """The revocation bitstring of list `list_no` (1-based): bit i set = index i revoked.

    Bit 0 is the most significant bit of the first byte (Bitstring Status List, section 3.1)."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    first = (list_no - 1) * STATUS_LIST_SIZE
    revoked = IssuedCredential.objects.filter(
        revoked_at__isnull=False,
        status_index__gte=first,
        status_index__lt=first + STATUS_LIST_SIZE,
    ).values_list("status_index", flat=True)
    for index in revoked:
        position = index - first
        bits[position // 8] |= 0x80 >> (position % 8)
    return bytes(bits)


def encode_status_list(bits: bytes) -> str:
    """Multibase base64url (prefix "u", no padding) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not a base64url multibase value")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


STATUS_CACHE_SECONDS = 60
_STATUS_VERSION = "credentials:status:version"


def _status_version() -> int:
    return cache.get_or_set(_STATUS_VERSION, 0, None)


def status_lists_changed() -> None:
    """A revocation or a re-signing: every cached status list is stale from now on."""
    try:
        cache.incr(_STATUS_VERSION)
    except ValueError:  # not in the cache (evicted, or a fresh cache)
        cache.set(_STATUS_VERSION, 1, None)


def status_list_token(origin: str, list_no: int) -> str:
    """The signed status list, kept in the shared cache for up to a minute and dropped the
    moment a credential is revoked (so a revocation is visible at once)."""
    digest = hashlib.sha256(origin.encode()).hexdigest()[:16]
    key = f"credentials:status:{_status_version()}:{list_no}:{digest}"
    token = cache.get(key)
    if token is None:
        token = sign_credential(status_list_credential(origin, list_no), origin)
        cache.set(key, token, STATUS_CACHE_SECONDS)
    return token


def status_list_credential(origin: str, list_no: int) -> dict:
    """The BitstringStatusListCredential for list `list_no`, unsigned."""
    url = origin + reverse("credential-status", args=[list_no])
    now = timezone.now().replace(microsecond=0)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(origin), "name": settings.IGNITE_ISSUER_NAME},
        "validFrom": now.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(status_list_bits(list_no)),
        },
    }
