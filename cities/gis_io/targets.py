"""What can be imported, field by field, and how each field's text becomes a typed value in SQL.

A target field's value comes from a source field, or from a fixed value the user
gives, through an optional value mapping (a file's own codes to ours). Its
conversion is one SQL expression that yields NULL when the text does not fit;
the validation step reports those rows, the commit step writes the same
expressions, so the two can never disagree.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GEOMETRY_POINT = "point"
GEOMETRY_POLYGON = "polygon"
GEOMETRY_ANY = "any"


@dataclass(frozen=True)
class TargetField:
    name: str
    label: Promise | str
    type: str  # a key of CONVERSIONS
    required: bool = False
    # Source field names that suggest this field, in English, French and Dutch.
    synonyms: tuple[str, ...] = ()
    max_length: int = 200
    help: Promise | str = ""

    @property
    def maps_values(self) -> bool:
        """Codes of the file are mapped to ours (the report offers unknown ones for mapping)."""
        return self.type in CODED_TYPES


@dataclass(frozen=True)
class Target:
    slug: str
    label: Promise | str
    description: Promise | str
    geometry: str | None  # GEOMETRY_* or None (a table of statistics)
    fields: tuple[TargetField, ...]
    needs_city: bool = True
    modes: tuple[str, ...] = ("new", "replace", "upsert")
    # The field that identifies a row for upserts and duplicate checks.
    key: str | None = "external_id"
    # Statistics have no identifier of their own: these fields together identify a row.
    natural_key: tuple[str, ...] = ()

    def field(self, name: str) -> TargetField:
        return next(f for f in self.fields if f.name == name)


EXTERNAL_ID = TargetField(
    "external_id",
    _("identifier"),
    "text",
    synonyms=(
        "id",
        "ref",
        "reference",
        "identifier",
        "identifiant",
        "code",
        "fid",
        "objectid",
        "nummer",
        "kenmerk",
    ),
    max_length=80,
    help=_("Identifies the row in its source; needed to update it by a later import."),
)
NAME = TargetField(
    "name",
    _("name"),
    "text",
    required=True,
    synonyms=("name", "nom", "naam", "label", "title", "titre", "benaming", "denomination"),
)

TARGETS: dict[str, Target] = {
    t.slug: t
    for t in (
        Target(
            "city",
            _("A new city's outline"),
            _("The boundary of a city to add; every feature of the file is joined into one."),
            GEOMETRY_POLYGON,
            (),
            needs_city=False,
            modes=("new",),
            key=None,
        ),
        Target(
            "districts",
            _("Districts"),
            _("Municipalities, boroughs or districts of a city, each with a name."),
            GEOMETRY_POLYGON,
            (
                NAME,
                TargetField(
                    "slug",
                    _("identifier"),
                    "slug",
                    synonyms=(
                        "id",
                        "code",
                        "identifier",
                        "identifiant",
                        "slug",
                        "nis",
                        "ins",
                        "gss_code",
                        "gemeentecode",
                        "cbs_code",
                    ),
                    max_length=80,
                    help=_("Made from the name when not given."),
                ),
                TargetField(
                    "local_names",
                    _("local names"),
                    "list",
                    synonyms=("local_names", "noms", "namen", "name_fr", "name_nl"),
                    help=_("Other official names, separated by / or ;"),
                ),
            ),
            key="slug",
        ),
        Target(
            "sites",
            _("Manufacturing sites"),
            _("Establishments as points, with their NACE sector."),
            GEOMETRY_POINT,
            (
                EXTERNAL_ID,
                NAME,
                TargetField(
                    "sector",
                    _("sector (NACE)"),
                    "nace",
                    required=True,
                    synonyms=(
                        "nace",
                        "nace_code",
                        "sector",
                        "secteur",
                        "sector_code",
                        "sbi",
                        "activity",
                        "activite",
                        "activiteit",
                        "naf",
                    ),
                    help=_("A division (25), a code (C25, 25.11) or a label."),
                ),
                TargetField(
                    "employees",
                    _("employees"),
                    "count",
                    synonyms=(
                        "employees",
                        "staff",
                        "jobs",
                        "emplois",
                        "employes",
                        "personnel",
                        "werknemers",
                        "banen",
                        "werkzame_personen",
                        "fte",
                    ),
                ),
                TargetField(
                    "floor_area_m2",
                    _("floor area (m²)"),
                    "count",
                    synonyms=(
                        "floor_area",
                        "floor_area_m2",
                        "area_m2",
                        "surface",
                        "superficie",
                        "oppervlakte",
                        "vloeroppervlak",
                        "m2",
                    ),
                ),
                TargetField(
                    "year_opened",
                    _("year opened"),
                    "year",
                    synonyms=(
                        "year_opened",
                        "opened",
                        "founded",
                        "creation",
                        "annee_creation",
                        "oprichting",
                        "jaar_oprichting",
                        "start_year",
                    ),
                ),
                TargetField(
                    "year_closed",
                    _("year closed"),
                    "year",
                    synonyms=("year_closed", "closed", "fermeture", "sluiting", "end_year"),
                ),
                TargetField(
                    "address",
                    _("address"),
                    "text",
                    synonyms=("address", "adresse", "adres", "street", "rue", "straat"),
                    max_length=300,
                ),
            ),
        ),
        Target(
            "zones",
            _("Industrial land zones"),
            _("Polygons of industrial or productive land in one reference year, with zoning."),
            GEOMETRY_POLYGON,
            (
                EXTERNAL_ID,
                TargetField(
                    "name",
                    _("name"),
                    "text",
                    synonyms=("name", "nom", "naam", "label", "site", "zone", "terrein"),
                    help=_("Made from the zoning code when not given."),
                ),
                TargetField(
                    "category",
                    _("zoning category"),
                    "zoning",
                    required=True,
                    synonyms=(
                        "zoning",
                        "category",
                        "categorie",
                        "affectation",
                        "zone_code",
                        "bestemming",
                        "bestemmingsplan",
                        "designation",
                        "code",
                        "type",
                    ),
                    help=_("The file's own codes, mapped to the city's zoning categories."),
                ),
                TargetField(
                    "protection",
                    _("protection"),
                    "protection",
                    required=True,
                    synonyms=("protection", "protected", "protege", "bescherming", "status"),
                    help=_("Protected, partly protected or not protected."),
                ),
                TargetField(
                    "reference_year",
                    _("reference year"),
                    "year",
                    required=True,
                    synonyms=("year", "reference_year", "annee", "jaar", "peiljaar"),
                ),
            ),
        ),
        Target(
            "context",
            _("A context layer"),
            _("Any other features worth showing on the map (stations, waterways, ...)."),
            GEOMETRY_ANY,
            (
                EXTERNAL_ID,
                TargetField(
                    "name",
                    _("name"),
                    "text",
                    synonyms=("name", "nom", "naam", "label", "title", "titre"),
                ),
            ),
        ),
        Target(
            "indicators",
            _("Indicators"),
            _("Statistics by district (or city total), indicator, sector and year."),
            None,
            (
                TargetField(
                    "district",
                    _("district"),
                    "district",
                    synonyms=(
                        "district",
                        "commune",
                        "gemeente",
                        "borough",
                        "wijk",
                        "area",
                        "district_id",
                        "code_commune",
                        "nis",
                    ),
                    help=_("A district's name or identifier; empty for the city's total."),
                ),
                TargetField(
                    "key",
                    _("indicator"),
                    "indicator",
                    required=True,
                    synonyms=(
                        "key",
                        "indicator",
                        "indicateur",
                        "indicator_key",
                        "variable",
                        "measure",
                        "mesure",
                        "maat",
                    ),
                ),
                TargetField(
                    "sector",
                    _("sector (NACE)"),
                    "nace_or_total",
                    synonyms=("nace", "sector", "secteur", "sbi", "nace_code"),
                    help=_("Empty for all manufacturing."),
                ),
                TargetField(
                    "year",
                    _("year"),
                    "year",
                    required=True,
                    synonyms=("year", "annee", "jaar", "period", "periode"),
                ),
                TargetField(
                    "value",
                    _("value"),
                    "number",
                    required=True,
                    synonyms=("value", "valeur", "waarde", "count", "total", "aantal"),
                ),
                TargetField(
                    "unit",
                    _("unit"),
                    "text",
                    required=True,
                    synonyms=("unit", "unite", "eenheid"),
                    max_length=20,
                ),
            ),
            key=None,
            natural_key=("district", "key", "sector", "year"),
        ),
        Target(
            "flows",
            _("Material flows"),
            _("Tonnes a year of a material from an origin to a destination."),
            None,
            (
                TargetField(
                    "year",
                    _("year"),
                    "year",
                    required=True,
                    synonyms=("year", "annee", "jaar"),
                ),
                TargetField(
                    "material",
                    _("material"),
                    "material",
                    required=True,
                    synonyms=("material", "materiau", "materiaal", "material_code", "stof"),
                ),
                TargetField(
                    "origin",
                    _("origin"),
                    "flow_end",
                    required=True,
                    synonyms=("origin", "from", "origine", "source", "herkomst", "van"),
                    help=_("A district's name or identifier, or a stage such as import."),
                ),
                TargetField(
                    "destination",
                    _("destination"),
                    "flow_end",
                    required=True,
                    synonyms=("destination", "to", "bestemming", "naar", "target"),
                    help=_("A district's name or identifier, or a stage such as recycling."),
                ),
                TargetField(
                    "tonnes",
                    _("tonnes a year"),
                    "positive_number",
                    required=True,
                    synonyms=("tonnes", "tons", "tonnage", "ton", "weight", "poids", "gewicht"),
                ),
            ),
            key=None,
            natural_key=("year", "material", "origin", "destination"),
        ),
    )
}


# ---- Conversions: raw text -> typed value, in SQL ----------------------------------------
# Each is (expression, message): the expression turns {raw} (a text expression) into
# the value or NULL; the message says why a non-empty value became NULL.

# Digits are bounded, so that every text the patterns accept also casts (1e999 would not).
_INT = r"'^\s*[+-]?[0-9]{{1,15}}([.,]0*)?\s*$'"
_NUM = (
    r"'^\s*[+-]?([0-9]{{1,30}}([.,][0-9]{{0,30}})?|[.,][0-9]{{1,30}})([eE][+-]?[0-9]{{1,2}})?\s*$'"
)
_NACE = r"'^\s*[Cc]?\s*([0-9]{{2}})(\.[0-9]+)*\s*$'"

CONVERSIONS: dict[str, tuple[str, Promise]] = {
    "text": ("left({raw}, {max_length})", _("Could not be read as text.")),
    "slug": (
        "NULLIF(left(trim(both '-' from regexp_replace(lower({raw}), '[^a-z0-9]+', '-', 'g')),"
        " {max_length}), '')",
        _("An identifier needs letters or digits."),
    ),
    "list": (
        "ARRAY(SELECT btrim(part) FROM regexp_split_to_table({raw}, '[/;|]') AS part"
        " WHERE btrim(part) <> '')::varchar(120)[]",
        _("Could not be read as a list of names."),
    ),
    "count": (
        f"CASE WHEN {{raw}} ~ {_INT} AND replace({{raw}}, ',', '.')::numeric"
        " BETWEEN 0 AND 2000000000 THEN round(replace({raw}, ',', '.')::numeric)::int END",
        _("Must be a whole number of 0 or more."),
    ),
    "year": (
        f"CASE WHEN {{raw}} ~ {_INT} AND replace({{raw}}, ',', '.')::numeric"
        " BETWEEN 1800 AND 2100 THEN round(replace({raw}, ',', '.')::numeric)::int END",
        _("Must be a year between 1800 and 2100."),
    ),
    "number": (
        f"CASE WHEN {{raw}} ~ {_NUM} THEN replace({{raw}}, ',', '.')::float8 END",
        _("Must be a number (a decimal comma is fine)."),
    ),
    "positive_number": (
        f"CASE WHEN {{raw}} ~ {_NUM} AND replace({{raw}}, ',', '.')::float8 >= 0"
        " THEN replace({raw}, ',', '.')::float8 END",
        _("Must be a number of 0 or more."),
    ),
    # Codes and labels are looked up in a dictionary passed as one parameter ({labels}:
    # lower-case label -> our value, cities/gis_io/vocabularies.py), not by a subquery a row.
    "nace": (
        f"COALESCE(CASE WHEN {{raw}} ~ {_NACE} AND substring({{raw}} from {_NACE})::int"
        " BETWEEN 10 AND 33 THEN substring({raw} from " + _NACE + ")::int END,"
        " ({labels} ->> lower({raw}))::int)",
        _("Not a NACE manufacturing division (10 to 33): map it to one."),
    ),
    "zoning": (
        "({labels} ->> lower({raw}))::bigint",
        _("Not one of the city's zoning categories: map it to one, or add it as a new one."),
    ),
    "protection": (
        "CASE WHEN lower({raw}) IN ('protected', 'protégé', 'protege', 'beschermd', 'yes', 'oui',"
        " 'ja', 'true', '1') THEN 'protected'"
        " WHEN lower({raw}) IN ('partial', 'partly protected', 'partiel', 'partiellement protégé',"
        " 'gedeeltelijk', 'deels') THEN 'partial'"
        " WHEN lower({raw}) IN ('unprotected', 'not protected', 'non protégé', 'non protege',"
        " 'onbeschermd', 'no', 'non', 'nee', 'false', '0') THEN 'unprotected' END",
        _("Must say protected, partial or unprotected: map it to one."),
    ),
    "district": (
        "({labels} ->> lower({raw}))::bigint",
        _("Not one of the city's districts (by name or identifier)."),
    ),
    "indicator": (
        "CASE WHEN lower({raw}) IN ('manufacturing_jobs', 'jobs', 'emplois', 'banen',"
        " 'manufacturing jobs') THEN 'manufacturing_jobs'"
        " WHEN lower({raw}) IN ('manufacturing_firms', 'firms', 'entreprises', 'bedrijven',"
        " 'manufacturing firms', 'establishments') THEN 'manufacturing_firms'"
        " WHEN lower({raw}) IN ('productive_floor_area', 'floor area', 'floor_area', 'surface',"
        " 'vloeroppervlak', 'productive floor area') THEN 'productive_floor_area' END",
        _("Not an indicator the portal knows (manufacturing jobs, firms, floor area)."),
    ),
    "material": (
        "({labels} ->> lower({raw}))::bigint",
        _("Not a material category the portal knows: map it to one."),
    ),
    "flow_end": (
        "({labels} ->> lower(replace({raw}, ' ', '_')))",
        _("Neither a district of the city nor a stage (import, production, ..., export)."),
    ),
}
# A sector that may be empty (the total of all manufacturing) converts like any other.
CONVERSIONS["nace_or_total"] = CONVERSIONS["nace"]
CODED_TYPES = {
    "nace",
    "nace_or_total",
    "zoning",
    "protection",
    "indicator",
    "material",
    "flow_end",
    "district",
}


def normalise(name: str) -> str:
    """Field names compared without case, accents or punctuation: "Année" ~ "annee"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def suggest_mapping(target: Target, source_fields: list[str]) -> dict[str, str]:
    """Source field for each target field, by name (exact first, then synonyms, EN/FR/NL)."""
    by_name = {normalise(f): f for f in source_fields}
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for field in target.fields:
        for candidate in (field.name, *field.synonyms):
            source = by_name.get(normalise(candidate))
            if source is not None and source not in taken:
                chosen[field.name] = source
                taken.add(source)
                break
    return chosen
