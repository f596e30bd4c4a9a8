"""Synthetic material flows for 2019, and a context layer of railway stations.

Flows follow each material from import through production (in the districts
where industry sits) and distribution to consumption, collection, recycling,
waste treatment and export. Tonnages scale with population and use
illustrative per-person figures: they show the shape of a city's metabolism,
not a measured one.
"""

from datetime import UTC, datetime

from django.contrib.gis.geos import Point
from django.db import transaction

from cities.demo.sync import LoadReport, sync
from cities.models import (
    Activity,
    City,
    ContextFeature,
    ContextLayer,
    Dataset,
    District,
    MaterialCategory,
    MaterialFlow,
)

FLOW_YEAR = 2019

FLOWS_DATASET = {
    "slug": "demo-material-flows",
    "name_en": "Material flows 2019 (synthetic)",
    "name_fr": "Flux de matières 2019 (synthétique)",
    "name_nl": "Materiaalstromen 2019 (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Generated from illustrative per-person tonnages.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}
STATIONS_DATASET = {
    "slug": "demo-stations",
    "name_en": "Main railway stations (approximate, synthetic)",
    "name_fr": "Gares principales (approximatives, synthétique)",
    "name_nl": "Belangrijkste treinstations (bij benadering, synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Station names are real; positions are approximate.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}

# code: (English, French, Dutch, tonnes per resident per year, share made in the city)
MATERIALS = {
    "construction": ("Construction minerals", "Minéraux de construction", "Bouwmineralen", 3.0, 0.10),
    "food": ("Food and organic", "Alimentation et matières organiques", "Voedsel en organisch", 0.6, 0.30),
    "metals": ("Metals", "Métaux", "Metalen", 0.20, 0.45),
    "wood": ("Wood", "Bois", "Hout", 0.15, 0.40),
    "paper": ("Paper and cardboard", "Papier et carton", "Papier en karton", 0.15, 0.25),
    "chemicals": ("Chemicals", "Produits chimiques", "Chemicaliën", 0.10, 0.20),
    "plastics": ("Plastics", "Plastiques", "Kunststoffen", 0.08, 0.25),
    "glass": ("Glass", "Verre", "Glas", 0.05, 0.10),
    "textiles": ("Textiles", "Textiles", "Textiel", 0.02, 0.15),
    "electronics": ("Electrical and electronic", "Équipements électriques et électroniques", "Elektrische en elektronische apparatuur", 0.02, 0.10),
}  # fmt: skip

POPULATION = {"brussels": 1_190_000, "london": 8_900_000, "rotterdam-the-hague": 1_200_000}

# Where production sits (the three busiest industrial districts) and its shares.
PRODUCTION_DISTRICTS = {
    "brussels": ["Anderlecht", "City of Brussels", "Forest"],
    "london": ["Brent", "Barking and Dagenham", "Enfield"],
    "rotterdam-the-hague": ["Waalhaven-Eemhaven", "Pernis", "Laak"],
}
PRODUCTION_SHARES = (0.5, 0.3, 0.2)

# (name, latitude, longitude)
STATIONS = {
    "brussels": [
        ("Bruxelles-Midi / Brussel-Zuid", 50.8357, 4.3363),
        ("Bruxelles-Central / Brussel-Centraal", 50.8454, 4.3571),
        ("Bruxelles-Nord / Brussel-Noord", 50.8605, 4.3612),
        ("Bruxelles-Luxembourg / Brussel-Luxemburg", 50.8390, 4.3733),
        ("Schuman", 50.8432, 4.3805),
    ],
    "london": [
        ("King's Cross", 51.5309, -0.1233),
        ("Euston", 51.5282, -0.1337),
        ("Paddington", 51.5154, -0.1755),
        ("Liverpool Street", 51.5178, -0.0823),
        ("London Bridge", 51.5049, -0.0863),
        ("Waterloo", 51.5031, -0.1132),
        ("Victoria", 51.4952, -0.1441),
        ("Stratford", 51.5416, -0.0033),
    ],
    "rotterdam-the-hague": [
        ("Rotterdam Centraal", 51.9244, 4.4690),
        ("Rotterdam Blaak", 51.9199, 4.4886),
        ("Rotterdam Zuid", 51.9045, 4.5116),
        ("Schiedam Centrum", 51.9216, 4.4093),
        ("Den Haag Centraal", 52.0803, 4.3249),
        ("Den Haag HS", 52.0695, 4.3224),
    ],
}


def _links(consumed: float, made_here: float, districts: list[District]):
    """Each link as (origin, destination, tonnes); an end is a District or an Activity."""
    produced = consumed * made_here
    yield Activity.IMPORT, Activity.DISTRIBUTION, consumed - produced * 0.8
    for district, share in zip(districts, PRODUCTION_SHARES, strict=True):
        made = produced * share
        yield Activity.IMPORT, district, made * 1.1  # inputs, with 10 % becoming scrap
        yield district, Activity.DISTRIBUTION, made * 0.8
        yield district, Activity.EXPORT, made * 0.2
        yield district, Activity.COLLECTION, made * 0.1
    yield Activity.DISTRIBUTION, Activity.CONSUMPTION, consumed * 0.9
    yield Activity.DISTRIBUTION, Activity.EXPORT, consumed * 0.1
    yield Activity.CONSUMPTION, Activity.COLLECTION, consumed * 0.6
    collected = consumed * 0.6 + produced * 0.1
    yield Activity.COLLECTION, Activity.RECYCLING, collected * 0.45
    yield Activity.COLLECTION, Activity.WASTE_TREATMENT, collected * 0.55


def _end(value) -> dict:
    if isinstance(value, District):
        return {"district": value, "activity": ""}
    return {"district": None, "activity": value.value}


@transaction.atomic
def load_flows(report: LoadReport) -> None:
    values = {k: v for k, v in FLOWS_DATASET.items() if k != "slug"}
    dataset = sync(Dataset, {"slug": FLOWS_DATASET["slug"]}, values, report)
    materials = {}
    for code, (en, fr, nl, _per_person, _made_here) in MATERIALS.items():
        materials[code] = sync(
            MaterialCategory, {"code": code}, {"name_en": en, "name_fr": fr, "name_nl": nl}, report
        )
    for city in City.objects.filter(slug__in=POPULATION, dataset__slug="demo-geography"):
        districts = [
            District.objects.get(city=city, name=name) for name in PRODUCTION_DISTRICTS[city.slug]
        ]
        for code, (_en, _fr, _nl, per_person, made_here) in MATERIALS.items():
            consumed = POPULATION[city.slug] * per_person
            for origin, destination, tonnes in _links(consumed, made_here, districts):
                o, d = _end(origin), _end(destination)
                sync(
                    MaterialFlow,
                    {
                        "city": city,
                        "year": FLOW_YEAR,
                        "material": materials[code],
                        "origin_district": o["district"],
                        "origin_activity": o["activity"],
                        "destination_district": d["district"],
                        "destination_activity": d["activity"],
                    },
                    {"tonnes": round(tonnes), "dataset": dataset},
                    report,
                )


@transaction.atomic
def load_stations(report: LoadReport) -> None:
    values = {k: v for k, v in STATIONS_DATASET.items() if k != "slug"}
    dataset = sync(Dataset, {"slug": STATIONS_DATASET["slug"]}, values, report)
    for city in City.objects.filter(slug__in=STATIONS, dataset__slug="demo-geography"):
        layer = sync(
            ContextLayer,
            {"city": city, "slug": "stations"},
            {"name_en": "Railway stations", "name_fr": "Gares", "name_nl": "Treinstations",
             "dataset": dataset},
            report,
        )  # fmt: skip
        if layer is None:
            continue
        for name, lat, lon in STATIONS[city.slug]:
            sync(
                ContextFeature,
                {"layer": layer, "name": name},
                {"geom": Point(lon, lat, srid=4326), "properties": {"kind": "railway station"}},
                report,
            )
