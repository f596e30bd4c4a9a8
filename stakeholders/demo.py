"""Synthetic makers, organisations and workspaces (`manage.py load_demo` calls `load()`).

Every person, name and workshop here is invented and labelled synthetic: the
workspaces belong to a dataset of quality `synthetic`, the accounts cannot sign
in (no usable password) and use `example.invalid` addresses. Drawn from a fixed
seed, so a reload writes nothing new on the same day; dates are relative to
today so that the freshness states (current, due a reminder, stale) stay true.
"""

import random
from datetime import UTC, datetime, timedelta

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from cities.demo.sync import LoadReport, read_csv, sync
from cities.models import City, Dataset, MaterialCategory, Sector
from stakeholders.models import Machine, Membership, Organisation, Process, User, Workspace
from stakeholders.vocabularies import vocabularies_sync

# ruff: noqa: E501 -- the table of trades reads best one trade a line

SEED = 20261125
WORKSPACES_PER_CITY = 60

DEMO_DATASET = {
    "slug": "demo-workspaces",
    "name_en": "Demo maker workspaces (synthetic)",
    "name_fr": "Ateliers de fabricants de démonstration (synthétiques)",
    "name_nl": "Demowerkplaatsen van makers (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Generated from a fixed seed around the demo districts' centres.",
    "description_en": "Invented workshops for trying the directory. None of them exists.",
    "description_fr": "Ateliers inventés pour essayer l'annuaire. Aucun n'existe.",
    "description_nl": "Verzonnen werkplaatsen om de gids uit te proberen. Geen ervan bestaat.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}

# A trade: what it calls itself, its processes, sectors (NACE), materials used and offered.
TRADES = [
    ("Joinery", ["woodworking", "cnc-machining", "finishing"], [16, 31], ["wood"], ["wood"]),
    ("Metal works", ["welding", "metalworking", "laser-cutting"], [25], ["metals"], ["metals"]),
    ("Print studio", ["printing"], [18], ["paper", "chemicals"], ["paper"]),
    ("Textile atelier", ["sewing", "printing"], [13, 14], ["textiles"], ["textiles"]),
    ("Upholstery", ["upholstery", "sewing", "repair"], [31, 13], ["textiles", "wood"], ["textiles"]),
    ("Fab lab", ["3d-printing", "laser-cutting", "prototyping"], [32], ["plastics", "wood"], []),
    ("Electronics lab", ["electronics-assembly", "repair"], [26, 27], ["electronics"], ["electronics"]),
    ("Ceramics studio", ["ceramics", "moulding"], [23], ["construction"], []),
    ("Glass studio", ["glass"], [23], ["glass"], ["glass"]),
    ("Food workshop", ["food-processing"], [10, 11], ["food", "paper"], ["food"]),
    ("Precision engineering", ["cnc-machining", "assembly"], [28, 33], ["metals", "plastics"], ["metals"]),
    ("Bike repair and build", ["repair", "welding", "assembly"], [30, 33], ["metals"], ["metals"]),
    ("Leather workshop", ["leatherwork", "sewing"], [15], ["textiles"], ["textiles"]),
    ("Coating shop", ["finishing"], [25], ["chemicals", "metals"], []),
]  # fmt: skip

NAMES = ["Canal", "Harbour", "North", "Atlas", "Orbit", "Beacon", "Cedar", "Quay", "Lantern",
         "Foundry Lane", "Pioneer", "Meridian", "Riverside", "Railway Arch", "Kestrel", "Union"]  # fmt: skip
STREETS = {
    "brussels": ["Rue de la Senne", "Quai de Mariemont", "Rue du Chimiste", "Boulevard Industriel"],
    "london": ["Canal Way", "Arches Lane", "Wharf Road", "Works Yard"],
    "rotterdam-the-hague": ["Havenweg", "Werkplaatsstraat", "Kadestraat", "Binnenrotte"],
}


def _user(n: int, report: LoadReport) -> User:
    username = f"demo-maker-{n:03d}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@example.invalid", first_name="Demo")
        user.set_unusable_password()
        user.save()
        report.add("created")
    return user


def _organisations(report: LoadReport) -> dict[str, Organisation]:
    orgs = {}
    for city in City.objects.all():
        orgs[city.slug] = sync(
            Organisation,
            {"slug": f"demo-{city.slug}-administration"},
            {
                "name": f"{city.short_name} economic development office (synthetic)",
                "kind": Organisation.Kind.CITY_ADMINISTRATION,
                "city": city,
            },
            report,
        )
    orgs["partner"] = sync(
        Organisation,
        {"slug": "demo-research-partner"},
        {"name": "Urban manufacturing observatory (synthetic)", "kind": Organisation.Kind.PARTNER},
        report,
    )
    orgs["collective"] = sync(
        Organisation,
        {"slug": "demo-maker-collective"},
        {
            "name": "Canal makers collective (synthetic)",
            "kind": Organisation.Kind.MAKER_COLLECTIVE,
            "city": City.objects.filter(slug="brussels").first(),
        },
        report,
    )
    return orgs


def _set(manager, wanted) -> bool:
    wanted = {obj.pk for obj in wanted}
    if {obj.pk for obj in manager.all()} != wanted:
        manager.set(wanted)
        return True
    return False


@transaction.atomic
def load() -> LoadReport:
    report = LoadReport()
    vocabularies_sync()
    values = {k: v for k, v in DEMO_DATASET.items() if k != "slug"}
    dataset = sync(Dataset, {"slug": DEMO_DATASET["slug"]}, values, report)
    orgs = _organisations(report)
    processes = {p.code: p for p in Process.objects.all()}
    machines_by_process: dict[str, list[Machine]] = {}
    for machine in Machine.objects.order_by("code"):
        machines_by_process.setdefault(machine.process.code, []).append(machine)
    sectors = {s.code: s for s in Sector.objects.all()}
    materials = {m.code: m for m in MaterialCategory.objects.all()}
    today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    districts = read_csv("districts.csv")

    rng = random.Random(SEED)  # noqa: S311 -- demo data, not secrets
    n = 0
    for city in City.objects.order_by("slug"):
        centres = [row for row in districts if row["city"] == city.slug]
        for i in range(WORKSPACES_PER_CITY):
            n += 1
            trade, codes, nace, used, offered = TRADES[rng.randrange(len(TRADES))]
            centre = centres[rng.randrange(len(centres))]
            # About 1 km around a district's centre.
            lat = float(centre["lat"]) + rng.gauss(0, 0.007)
            lon = float(centre["lon"]) + rng.gauss(0, 0.011)
            name = f"{NAMES[rng.randrange(len(NAMES))]} {trade} {n:03d}"
            # Most are current; some wait for review, some are due a reminder or stale.
            roll = rng.random()
            status = Workspace.Status.APPROVED
            confirmed_days = rng.randrange(5, 300)
            if roll < 0.06:
                status = Workspace.Status.PENDING
            elif roll < 0.08:
                status = Workspace.Status.CHANGES_REQUESTED
            elif roll < 0.16:
                confirmed_days = rng.randrange(370, 440)  # due a reminder
            elif roll < 0.24:
                confirmed_days = rng.randrange(470, 700)  # stale
            owner = _user(n, report)
            street = STREETS.get(city.slug, ["Workshop Street"])
            runs = sorted(rng.sample([c for c, _ in Workspace.RunSize.choices], rng.randint(1, 2)))
            audiences = sorted(
                rng.sample([c for c, _ in Workspace.Audience.choices], rng.randint(1, 3))
            )
            values = {
                "name": name,
                "description": (
                    f"Synthetic demo workspace: a {trade.lower()} invented for trying the "
                    f"directory. Works in {', '.join(codes).replace('-', ' ')}."
                ),
                "city": city,
                "address": f"{rng.randint(1, 180)} {street[rng.randrange(len(street))]}, "
                f"{centre['district']}",
                "location": Point(round(lon, 6), round(lat, 6), srid=4326),
                "materials_note": "Off-cuts available on request." if offered else "",
                "floor_area_m2": rng.choice([40, 80, 120, 200, 350, 600, 1200]),
                "employees": rng.choice([1, 2, 3, 5, 8, 12, 25]),
                "tenure": rng.choice([c for c, _ in Workspace.Tenure.choices]),
                "production_runs": runs,
                "minimum_order": rng.choice(["", "1 piece", "50 pieces", "€500"]),
                "lead_time_days": rng.choice([None, 3, 7, 14, 30]),
                "works_with": audiences,
                "open_to_collaboration": rng.random() < 0.6,
                "looking_for_space": rng.random() < 0.2,
                "website": "",
                "email": f"{owner.username}@example.invalid",
                "phone": "",
                "contact_public": False,
                "owner": owner,
                "organisation": orgs["collective"] if city.slug == "brussels" and i < 5 else None,
                "dataset": dataset,
                "status": status,
                "submitted_at": today - timedelta(days=confirmed_days + 10),
                "decided_at": None
                if status == Workspace.Status.PENDING
                else today - timedelta(days=confirmed_days + 5),
                "last_confirmed_at": today - timedelta(days=confirmed_days),
                "closed_at": today - timedelta(days=20) if i == WORKSPACES_PER_CITY - 1 else None,
            }
            workspace = sync(Workspace, {"slug": f"demo-{city.slug}-{i + 1:03d}"}, values, report)
            if workspace is None:
                continue
            machines = [m for code in codes for m in machines_by_process.get(code, [])[:1]]
            changed = [
                _set(workspace.processes, [processes[c] for c in codes]),
                _set(workspace.sectors, [sectors[c] for c in nace if c in sectors]),
                _set(workspace.machines, machines),
                _set(workspace.materials_used, [materials[c] for c in used]),
                _set(workspace.materials_offered, [materials[c] for c in offered]),
            ]
            if any(changed):
                report.updated += 1
    # The collective's first maker administers it.
    first = User.objects.filter(username="demo-maker-001").first()
    if first is not None:
        Membership.objects.get_or_create(
            organisation=orgs["collective"], user=first, defaults={"role": Membership.Role.ADMIN}
        )
    return report
