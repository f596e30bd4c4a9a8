import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_with_its_own_services_set_it_provisions_and_starts_nothing():
    env = {
        **os.environ,
        "DATABASE_URL": "postgis://someone@db.invalid:5432/portal",
        "REDIS_URL": "redis://cache.invalid:6379/0",
    }
    result = subprocess.run(
        ["bash", "scripts/provision.sh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "using them, starting nothing" in result.stdout
    assert "creating" not in result.stdout
