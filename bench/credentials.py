#!/usr/bin/env python
"""Credential verification costs: what a verifier's requests cost Ignite at district scale.

The script builds a fresh SQLite database in a temp dir, issues N credentials (one per
teacher, signed as in production: VC-JWT, RS256, random status-list indexes), revokes R of
them, then times, in-process through Django's test client (no network, no server):

- signing one credential (the VC-JWT proof);
- the signed revocation list `/credentials/status/1` (Bitstring Status List: 16 KB bitstring,
  GZIP, base64url, signed), and its size;
- the public verification page `/credentials/<id>/` (signature, claims, record, revocation);
- a verifier's full check with an independent library (openbadgeslib): signature, status-list
  fetch, the list's own signature, and the revocation bit.

Run by hand, from the repository root, with the project's venv:

    .venv/bin/python bench/credentials.py                     # 6000 credentials, 300 revoked
    .venv/bin/python bench/credentials.py --credentials 20000 --revoked 1000
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=6000, help="issued (default 6000)")
    parser.add_argument("--revoked", type=int, default=300, help="of those, revoked (300)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per URL")
    parser.add_argument("--profile", action="store_true", help="profile the status list view")
    return parser.parse_args()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(label: str, n: int, fn) -> None:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<44} p50 {pct(samples, 50):6.2f} ms   p95 {pct(samples, 95):6.2f} ms"
        f"   {1000 / (sum(samples) / len(samples)):7.0f}/s"
    )


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ignite-credentials-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    import django

    django.setup()
    import jwt
    from cryptography.hazmat.primitives import serialization
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from openbadgeslib.ob3 import OB3Verifier

    from courses.models import Cohort, Participant, Program  # reason: after django.setup
    from credentials import issuing, signing, status_lists  # reason: after django.setup
    from credentials.models import (  # reason: after django.setup
        Achievement,
        IssuedCredential,
    )

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    origin = "http://testserver"
    program = Program.objects.create(slug="bench", title="Bench program")
    achievement = Achievement.objects.create(
        program=program,
        slug="bench-badge",
        name="Bench Practitioner",
        description="Uses the bench idea in class.",
        criteria="Mastery of the bench module.",
        required_modules=[],
    )
    cohort = Cohort.objects.create(title="Bench cohort")
    people = Participant.objects.bulk_create(
        Participant(name=f"Teacher {i}", email=f"t{i}@district.example")
        for i in range(args.credentials)
    )

    started = time.perf_counter()
    rows = []
    for participant in people:
        credential = {
            "@context": signing.OB_CONTEXT,
            "id": f"{origin}/credentials/{uuid.uuid4()}.json",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": signing.issuer_id(origin), "type": ["Profile"], "name": "Ignite"},
            "validFrom": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "credentialSubject": {
                "id": issuing.earner_id(participant),
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": f"{origin}/achievements/bench-badge/",
                    "type": ["Achievement"],
                    "name": achievement.name,
                    "description": achievement.description,
                    "criteria": {"narrative": achievement.criteria},
                },
            },
        }
        rows.append((participant, credential))
    sign_samples = []
    issued = []
    used: set[int] = set()
    for participant, credential in rows:
        index = secrets.randbelow(status_lists.STATUS_LIST_SIZE)  # random, as Ignite assigns them
        while index in used:
            index = secrets.randbelow(status_lists.STATUS_LIST_SIZE)
        used.add(index)
        credential["credentialStatus"] = status_lists.status_entry(origin, index)
        t = time.perf_counter()
        token = signing.sign_credential(credential, origin)
        sign_samples.append((time.perf_counter() - t) * 1000)
        issued.append(
            IssuedCredential(
                public_id=uuid.UUID(credential["id"].rsplit("/", 1)[1][:-5]),
                achievement=achievement,
                participant=participant,
                cohort=cohort,
                credential=credential,
                jwt=token,
                status_index=index,
            )
        )
    IssuedCredential.objects.bulk_create(issued, batch_size=500)
    build_s = time.perf_counter() - started
    revoked = IssuedCredential.objects.order_by("?")[: args.revoked]
    IssuedCredential.objects.filter(pk__in=[c.pk for c in revoked]).update(
        revoked_at=timezone.now(), revocation_reason="bench"
    )

    print(
        f"Ignite credentials bench: {args.credentials} issued, {args.revoked} revoked; "
        f"Python {pyplatform.python_version()}, SQLite, {os.cpu_count()} CPUs"
    )
    print(f"built in {build_s:.1f} s")
    print(
        f"{'sign one credential (VC-JWT, RS256)':<44} p50 {pct(sign_samples, 50):6.2f} ms   "
        f"p95 {pct(sign_samples, 95):6.2f} ms"
    )
    client = Client()
    status = client.get("/credentials/status/1")
    assert status.status_code == 200, status.status_code
    print(f"{'status list size (signed JWT)':<44} {len(status.content) / 1024:6.1f} KB")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(50):
            client.get("/credentials/status/1")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    timed(
        "GET /credentials/status/1 (signed)",
        args.requests,
        lambda: client.get("/credentials/status/1"),
    )
    sample = IssuedCredential.objects.exclude(revoked_at__isnull=False).first()
    timed(
        "GET /credentials/<id>/ (verification page)",
        args.requests,
        lambda: client.get(f"/credentials/{sample.public_id}/"),
    )

    header = jwt.get_unverified_header(sample.jwt)
    pem = jwt.PyJWK(header["jwk"]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = OB3Verifier(pem)

    def fetch(url: str) -> bytes:
        return client.get(url.removeprefix(origin)).content

    def full_check():
        verifier.verify(sample.jwt, check_status=True, verify_status_list=True, download=fetch)

    timed("independent verifier, status included", max(20, args.requests // 4), full_check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
