"""The OpenAPI schema's vocabularies: what a filter of the API takes, from the database.

A city, district, material or process that does not exist is a 400 (the API says so
rather than answer an empty page), so the schema lists the values that exist, as enums,
when it is generated (a drf-spectacular post-processing hook). Sectors, bounding boxes
and row identifiers get the patterns and ranges their parsers apply.
"""

from cities.analyses.base import analysis_kinds
from cities.models import City, District, MaterialCategory
from stakeholders.models import Process

# NACE manufacturing divisions, 10 to 33.
_DIVISION = "(1[0-9]|2[0-9]|3[0-3])"
# (path, parameter): pattern. An empty value is no filter, as from a form.
PATTERNS = {
    ("/api/v1/sites/", "sector"): f"^({_DIVISION}(,{_DIVISION})*)?$",
    ("/api/v1/indicators/", "sector"): f"^({_DIVISION}|total)?$",
}
# `minLon,minLat,maxLon,maxLat`: four numbers, comma-separated (their order and ranges are
# checked by the view, which JSON Schema cannot say).
BBOX = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}
RANGES = {
    ("/api/v1/workspaces/", "limit"): (1, 1000),
    ("/api/v1/workspaces/", "sector"): (10, 33),
    ("/api/v1/case-studies/", "sector"): (10, 33),
    ("/api/v1/workspaces/", "km"): (0.1, 200),
}


def _vocabularies() -> dict[str, list[str]]:
    return {
        "kind": sorted(kind.slug for kind in analysis_kinds()),
        "city": sorted(City.objects.values_list("slug", flat=True)),
        "district": ["all", "total", *sorted(set(District.objects.values_list("slug", flat=True)))],
        "material": sorted(MaterialCategory.objects.values_list("code", flat=True)),
        "process": sorted(Process.objects.values_list("code", flat=True)),
    }


# The toolkit's facets and order refuse an empty choice (toolkit/api.py): the one place.
STRICT_CHOICES = ("/api/v1/tools",)

# The operations whose filter of that name is checked against the vocabulary (others, such
# as the toolkit's, match what they find).
CHECKED = {
    "kind": {"/api/v1/analyses/"},
    "city": {
        "/api/v1/analyses/", "/api/v1/sites/", "/api/v1/zones/", "/api/v1/districts/",
        "/api/v1/indicators/", "/api/v1/flows/", "/api/v1/workspaces/",
    },
    "district": {"/api/v1/indicators/"},
    "material": {"/api/v1/flows/", "/api/v1/workspaces/"},
    "process": {"/api/v1/workspaces/"},
}  # fmt: skip


def document_vocabularies(result: dict, generator, request, public) -> dict:
    vocabularies = _vocabularies()
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                name = parameter.get("name")
                schema = parameter.setdefault("schema", {"type": "string"})
                where = parameter.get("in")
                if where == "path" and name == "id" and schema.get("type") == "string":
                    schema["pattern"] = "^[0-9]{1,18}$"
                if parameter.get("in") != "query":
                    continue
                if path in CHECKED.get(name, ()):
                    schema.clear()
                    # An empty value is no filter, as from a form.
                    schema.update(type="string", enum=["", *vocabularies[name]])
                if (path, name) in PATTERNS:
                    schema.pop("minLength", None)
                    schema.update(type="string", pattern=PATTERNS[path, name])
                if name == "bbox":
                    schema.clear()
                    schema.update(BBOX)
                    parameter.update(style="form", explode=False)
                if (path, name) in RANGES:
                    low, high = RANGES[path, name]
                    schema.update(minimum=low, maximum=high)
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and "" not in schema.get("enum", [""])
                    and not path.startswith(STRICT_CHOICES)
                ):
                    # django-filter reads an empty choice as no filter, as from a form.
                    schema["enum"] = ["", *schema["enum"]]
                # A NUL byte is refused in any address (portal/middleware.py), in a
                # repeated parameter's values too.
                for part in (schema, schema.get("items") or {}):
                    if part.get("type") == "string" and not {"enum", "pattern"} & set(part):
                        part["pattern"] = "^[^\\u0000]*$"
    return result
