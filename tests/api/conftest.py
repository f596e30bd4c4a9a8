"""A partner organisation and its administrator, for the token and bulk-write tests."""

import pytest

from stakeholders.models import Membership, Organisation
from tests.personas import user


@pytest.fixture
def partner(db) -> Organisation:
    return Organisation.objects.create(slug="delft-lab", name="Delft Urban Lab", kind="partner")


@pytest.fixture
def admin(partner):
    person = user("petra")
    Membership.objects.create(organisation=partner, user=person, role="admin")
    return person
