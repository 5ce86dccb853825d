"""The launch's faster segment check (lti_tool/launch.py) against PyJWT's own, on the installed
PyJWT: the same bytes accepted, the same error for everything else."""

from __future__ import annotations

import random

import jwt
import pytest

from lti_tool import launch

STOCK = jwt.PyJWS._decode_base64url_segment
FAST = launch._SegmentCheckedJWS._decode_base64url_segment


def _outcome(check, segment: bytes):
    try:
        return ("ok", check(segment, "payload"))
    except jwt.DecodeError as exc:
        return ("error", str(exc))


CASES = [
    b"",
    b"e30",
    b"e30=",
    b"e30==",
    b"e30===",
    b"eyJhIjoxfQ",
    b"eyJhIjoxfQ==",
    b"eyJhIjoxfQ=",
    b"!!!!",
    b"e3!0",
    b"e30 ",
    b"e3+0",
    b"e3/0",
    b"a",
    b"aaaaa",
    b"ab=c",
    b"=",
    b"====",
    "é30".encode(),
    b"e30\n",
]


@pytest.mark.parametrize("segment", CASES)
def test_same_outcome_as_pyjwt(segment):
    assert _outcome(FAST, segment) == _outcome(STOCK, segment)


def test_same_outcome_as_pyjwt_on_random_segments():
    rng = random.Random(20261203)
    alphabet = b"ABCxyz019-_=+/!. \x00\xff"
    for _ in range(5000):
        segment = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 13)))
        assert _outcome(FAST, segment) == _outcome(STOCK, segment), segment


def test_the_launch_decoder_uses_the_faster_check():
    # If PyJWT changed shape, the launch falls back to PyJWT's own check; this says so loudly.
    assert isinstance(launch._JWT._jws, launch._SegmentCheckedJWS)
