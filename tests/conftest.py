import io

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The three partner cities with their districts, as `make run` loads them."""
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()
