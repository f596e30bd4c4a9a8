"""Each pytest-xdist worker gets Redis databases of its own (broker and cache).

Loaded with `-p tests.parallel` (pyproject.toml) so that it runs before
pytest-django reads the settings. Worker gwN uses databases 15-2N (broker) and
14-2N (cache): one worker's `cache.clear()` or Celery worker never touches
another's. Each worker's PostgreSQL test database is suffixed by pytest-django.
"""

import os

import pytest

MAX_WORKERS = 4


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0)
    if index >= MAX_WORKERS:
        raise pytest.UsageError(f"at most {MAX_WORKERS} xdist workers (Redis has 16 databases)")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{15 - 2 * index}"
    os.environ["CACHE_URL"] = f"redis://127.0.0.1:6379/{14 - 2 * index}"
