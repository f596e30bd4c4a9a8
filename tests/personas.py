"""Personas for the maker directory's tests, in a test city far from the demo cities.

Loaded for every test folder by `pytest_plugins` in tests/conftest.py.

Alice owns the workspace; Bob is another maker; Olivia is an official of the
city; Mona moderates; Pat works for a partner organisation.
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from stakeholders.models import Membership, Organisation, Process, Workspace
from stakeholders.services import community_dataset
from tests.factories import CityFactory, UserFactory, square

# Somewhere no demo workspace is: nearest-first searches see only the test's own.
X, Y = 10.0, 45.0


def user(username: str, **extra):
    person = UserFactory(username=username, **extra)
    EmailAddress.objects.get_or_create(
        user=person, email=person.email, defaults={"verified": True, "primary": True}
    )
    return person


@pytest.fixture
def city(db):
    return CityFactory(slug="testville", outline=square(X, Y, 0.2))


@pytest.fixture
def alice(db):
    return user("alice")


@pytest.fixture
def bob(db):
    return user("bob")


@pytest.fixture
def mona(db):
    person = user("mona")
    person.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return person


@pytest.fixture
def olivia(city):
    person = user("olivia")
    office = Organisation.objects.create(
        slug="testville-office", name="Testville office", kind="city", city=city
    )
    Membership.objects.create(organisation=office, user=person, role="member")
    return person


@pytest.fixture
def pat(db):
    person = user("pat")
    partner = Organisation.objects.create(slug="partner", name="Partner", kind="partner")
    Membership.objects.create(organisation=partner, user=person, role="member")
    return person


def make_workspace(owner, city, *, status="approved", x=X + 0.05, y=Y + 0.05, **values):
    processes = values.pop("processes", [])
    used = values.pop("materials_used", [])
    offered = values.pop("materials_offered", [])
    workspace = Workspace.objects.create(
        slug=values.pop("slug", None) or f"ws-{Workspace.objects.count()}-{owner.username}",
        name=values.pop("name", f"{owner.username}'s workshop"),
        description=values.pop("description", "Turning and milling."),
        city=city,
        address="1 Test Street",
        location=Point(x, y, srid=4326),
        owner=owner,
        dataset=community_dataset(),
        status=status,
        email=values.pop("email", f"{owner.username}@workshop.example"),
        phone=values.pop("phone", "+32 2 000 00 00"),
        **values,
    )
    workspace.processes.set(Process.objects.filter(code__in=processes))
    workspace.materials_used.set([m for m in _materials(used)])
    workspace.materials_offered.set([m for m in _materials(offered)])
    return workspace


def _materials(codes):
    from cities.models import MaterialCategory

    return MaterialCategory.objects.filter(code__in=codes)


@pytest.fixture
def workspace(alice, city):
    return make_workspace(alice, city, name="Alice's lathe shop", processes=["cnc-machining"])


@pytest.fixture
def pending(alice, city):
    return make_workspace(alice, city, name="Alice's new studio", status="pending")
