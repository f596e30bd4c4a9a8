"""The dictionaries coded fields are converted with: lower-case label or code -> our value.

Each is passed to the conversion SQL as one jsonb parameter (cities/gis_io/targets.py),
so a row's code is a hash lookup, not a subquery; the vocabularies are small (sectors,
materials, one city's districts and zoning categories).
"""

from cities.models import Activity, District, MaterialCategory, Sector, ZoningCategory


def _names(*values) -> set[str]:
    return {str(v).strip().lower() for v in values if v and str(v).strip()}


def vocabulary(kind: str, city_id: int | None) -> dict[str, str] | None:
    """The dictionary of a coded field type, or None for a type that needs none."""
    if kind in ("nace", "nace_or_total"):
        return {
            name: str(s.code)
            for s in Sector.objects.all()
            for name in _names(s.name, s.name_en, s.name_fr, s.name_nl, f"{s.code} {s.name}")
        }
    if kind == "material":
        return {
            name: str(m.pk)
            for m in MaterialCategory.objects.all()
            for name in _names(m.code, m.name, m.name_en, m.name_fr, m.name_nl)
        }
    if kind == "zoning":
        return {z.code.lower(): str(z.pk) for z in ZoningCategory.objects.filter(city_id=city_id)}
    if kind in ("district", "flow_end"):
        districts: dict[str, str] = {}
        prefix = "d" if kind == "flow_end" else ""
        for d in District.objects.filter(city_id=city_id).order_by("-id"):
            for name in _names(d.slug, d.name, *d.local_names):
                districts[name] = f"{prefix}{d.pk}"  # the lowest id wins, as before
        if kind == "flow_end":
            districts.update({value: f"a{value}" for value, _label in Activity.choices})
        return districts
    return None
