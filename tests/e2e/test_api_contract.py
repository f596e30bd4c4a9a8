"""The OpenAPI schema tells the truth: Schemathesis, every check, against the live API.

`schemathesis run --checks all` with a partner token, on the demo data. `make test` runs
its examples and the coverage phase (each parameter's edges and wrong types); the fuzzing
phase, minutes long, runs in `make test-long`. The seed is fixed so a failure can be
replayed. The operations where a schema-valid request may
still be refused are listed, with why, in tests/e2e/schemathesis.toml.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from stakeholders.models import Organisation
from stakeholders.tokens import token_create, token_revoke
from tests.e2e.conftest import ensure_demo_committed

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCOPES = ["read", "write:sites", "write:zones", "write:indicators", "write:flows", "write:context"]


def test_schemathesis_finds_no_mismatch_between_the_schema_and_the_answers(
    live_url, django_db_blocker
):
    summary = _schemathesis(live_url, django_db_blocker, "examples,coverage", max_examples=5)
    generated = re.search(r"(\d+) generated, (\d+) passed\n", summary)
    assert generated and generated[1] == generated[2], summary
    assert int(generated[1]) > 1000, summary  # the coverage phase ran


@pytest.mark.long
def test_schemathesis_fuzzing_finds_no_mismatch(live_url, django_db_blocker):
    summary = _schemathesis(live_url, django_db_blocker, "fuzzing", max_examples=50)
    generated = re.search(r"(\d+) generated, (\d+) passed\n", summary)
    assert generated and generated[1] == generated[2], summary


def _schemathesis(live_url, django_db_blocker, phases: str, *, max_examples: int) -> str:
    """The run's summary; fails the test when schemathesis reports a failure."""
    with django_db_blocker.unblock():
        ensure_demo_committed()
        partner = Organisation.objects.get(slug="demo-research-partner")
        admin = partner.memberships.filter(role="admin").first().user
        # Many requests a minute: a 429 is declared, but would leave operations untested.
        Organisation.objects.filter(pk=partner.pk).update(api_requests_per_minute=100_000)
        token, secret = token_create(
            organisation=partner, by=admin, name="Schemathesis", scopes=SCOPES,
            expires_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file", str(CONFIG),
                "run", f"{live_url}/api/schema/?format=json",
                "--checks", "all",
                "--header", f"Authorization: Bearer {secret}",
                "--phases", phases,
                "--max-examples", str(max_examples),
                "--seed", "20261207",
                "--workers", "1",
                "--no-color",
            ],
            capture_output=True, text=True, timeout=1800,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
    finally:
        with django_db_blocker.unblock():
            token_revoke(token=token, by=admin)
            Organisation.objects.filter(pk=partner.pk).update(
                api_requests_per_minute=partner.api_requests_per_minute
            )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    return summary
