"""OGC API - Features Part 3: a CQL2 filter (text or JSON) as a SQL condition on a layer's rows.

pygeofilter parses the filter; this module turns its syntax tree into SQL over the columns of
the layer's row SQL (`r.<field>`), with every value a parameter. Only the layer's fields (its
queryables) and its geometry may be named, and each comparison must fit the field's type, so
a filter can never reach a column it should not, nor fail inside PostgreSQL.

Supported: comparisons, AND / OR / NOT, LIKE, IN, BETWEEN,
IS NULL, and the spatial predicates S_INTERSECTS, S_DISJOINT, S_CONTAINS, S_WITHIN,
S_TOUCHES, S_CROSSES, S_OVERLAPS, S_EQUALS on GeoJSON or WKT geometries and BBOX.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text

from cities.layers import Layer

GEOMETRY_NAMES = ("geometry", "geom")
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")  # cql-text: GDAL 3.6's older name
# The conformance classes this module meets (QGIS pushes filters down only with all of them).
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
]

_COMPARISONS = {
    ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
    ast.GreaterThan: ">", ast.GreaterEqual: ">=",
}  # fmt: skip
_SPATIAL = {
    ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
    ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals",
}  # fmt: skip
_NUMERIC = {"integer", "number"}


class FilterError(ValueError):
    """A filter that cannot be read or used here: a 400 with this text."""


@dataclass
class Condition:
    sql: str
    params: dict = field(default_factory=dict)


def parse_filter(raw: str, language: str | None) -> Any:
    language = (language or "cql2-text").lower()
    if language not in LANGUAGES:
        raise FilterError(f"filter-lang must be one of {', '.join(LANGUAGES)}.")
    try:
        if language == "cql2-json":
            return parse_json(_bboxes_as_polygons(json.loads(raw)))
        return parse_text(raw)
    except FilterError:
        raise
    except Exception as exc:  # lark and pygeofilter raise many kinds
        raise FilterError(f"The filter cannot be read as {language}: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _bboxes_as_polygons(node: Any) -> Any:
    """CQL2-JSON `{"bbox": [...]}` literals as polygons (pygeofilter 0.4 misreads their order)."""
    if isinstance(node, dict):
        if set(node) == {"bbox"} and isinstance(node["bbox"], list) and len(node["bbox"]) == 4:
            return _box_polygon(*node["bbox"])
        return {k: _bboxes_as_polygons(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_bboxes_as_polygons(v) for v in node]
    return node


def _box_polygon(west, south, east, north) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


class _Translator:
    def __init__(self, layer: Layer, filter_srid: int) -> None:
        self.types = {f.name: f.type for f in layer.fields if f.type != "json"}
        self.types["id"] = "integer"
        self.srid = filter_srid
        self.params: dict = {}

    def value(self, value: Any) -> str:
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def attribute(self, node: Any) -> tuple[str, str]:
        if not isinstance(node, ast.Attribute):
            raise FilterError("Compare a property with a value, e.g. sector = 25.")
        if node.name not in self.types:
            raise FilterError(
                f"“{node.name}” is not a queryable of this collection; its queryables are "
                f"{', '.join(sorted(self.types))}."
            )
        return f'r."{node.name}"', self.types[node.name]

    def literal(self, node: Any, kind: str) -> str:
        if kind in _NUMERIC:
            if isinstance(node, bool) or not isinstance(node, int | float):
                raise FilterError("Compare a number property with a number.")
        elif kind == "string":
            if not isinstance(node, str):
                raise FilterError("Compare a text property with text in single quotes.")
        elif kind == "boolean" and not isinstance(node, bool):
            raise FilterError("Compare a true/false property with true or false.")
        return self.value(node)

    def geometry(self, node: Any) -> str:
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            if len(node.arguments) != 4:
                raise FilterError("BBOX takes four numbers: west, south, east, north.")
            node = values.Geometry(_box_polygon(*node.arguments))
        if isinstance(node, values.Envelope):
            node = values.Geometry(_box_polygon(node.x1, node.y1, node.x2, node.y2))
        if not isinstance(node, values.Geometry):
            raise FilterError("A spatial predicate compares the geometry with a geometry.")
        shape = self.value(json.dumps(node.geometry))
        literal = f"ST_SetSRID(ST_GeomFromGeoJSON({shape}), {int(self.srid)})"
        return literal if self.srid == 4326 else f"ST_Transform({literal}, 4326)"

    def sql(self, node: Any) -> str:
        if isinstance(node, ast.And | ast.Or):
            glue = " AND " if isinstance(node, ast.And) else " OR "
            return f"({self.sql(node.lhs)}{glue}{self.sql(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.sql(node.sub_node)})"
        if type(node) in _COMPARISONS:
            column, kind = self.attribute(node.lhs)
            return f"({column} {_COMPARISONS[type(node)]} {self.literal(node.rhs, kind)})"
        if isinstance(node, ast.Between):
            column, kind = self.attribute(node.lhs)
            low, high = self.literal(node.low, kind), self.literal(node.high, kind)
            return f"({column} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high})"
        if isinstance(node, ast.In):
            column, kind = self.attribute(node.lhs)
            items = ", ".join(self.literal(v, kind) for v in node.sub_nodes)
            return f"({column} {'NOT ' if node.not_ else ''}IN ({items}))"
        if isinstance(node, ast.IsNull):
            column, _kind = self.attribute(node.lhs)
            return f"({column} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.Like):
            column, kind = self.attribute(node.lhs)
            if kind != "string":
                raise FilterError("LIKE compares a text property.")
            operator = "ILIKE" if node.nocase else "LIKE"
            return f"({column}{' NOT' if node.not_ else ''} {operator} {self.value(node.pattern)})"
        if type(node) in _SPATIAL:
            if not (isinstance(node.lhs, ast.Attribute) and node.lhs.name in GEOMETRY_NAMES):
                raise FilterError("A spatial predicate's first argument is the geometry.")
            return f"{_SPATIAL[type(node)]}(r.geom, {self.geometry(node.rhs)})"
        if isinstance(node, ast.BBox):
            box = _box_polygon(node.minx, node.miny, node.maxx, node.maxy)
            return f"ST_Intersects(r.geom, {self.geometry(values.Geometry(box))})"
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        raise FilterError(f"This filter uses what is not supported here: {type(node).__name__}.")


def filter_condition(
    layer: Layer, raw: str, *, language: str | None, filter_srid: int = 4326
) -> Condition:
    """The SQL condition (on rows aliased `r`) of a CQL2 filter, with its parameters."""
    translator = _Translator(layer, filter_srid)
    sql = translator.sql(parse_filter(raw, language))
    return Condition(sql, translator.params)
