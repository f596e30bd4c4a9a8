import io

import pytest
from django.core.management import call_command

# Alice, Bob, Olivia, Mona and Pat: the personas of the maker directory tests.
pytest_plugins = ["tests.personas"]


def pytest_configure(config) -> None:
    """Hash test passwords cheaply: the default hasher's deliberate slowness (hundreds of
    milliseconds a password) would be paid for every persona of every test."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


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
def _default_language():
    """Each test starts in English: a request in French or Dutch leaves its language active
    in the thread, which would leak into the next test a worker runs."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached tiles start empty for each test (the tests' own
    Redis database for the cache, apart from the broker's)."""
    from django.core.cache import cache

    cache.clear()
