import io

import pytest
from django.core.management import call_command

# Alice, Bob, Olivia, Mona and Pat: the personas of the maker directory tests.
pytest_plugins = ["tests.personas"]


def load_demo_data() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo data, loaded and committed once for the whole run (as after `make run`).

    Each test still runs in a transaction that is rolled back; tests that need
    committed data of their own use `transactional_db` and flush afterwards.
    """
    with django_db_blocker.unblock():
        load_demo_data()


@pytest.fixture
def demo(db):
    """Marks a test that reads the demo data (three cities, their maps and statistics)."""


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads of each test land in a folder of its own, removed afterwards."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached tiles start empty for each test (the tests' own
    Redis database for the cache, apart from the broker's)."""
    from django.core.cache import cache

    cache.clear()
