"""Parsing the `bbox` query parameter shared by map and API endpoints."""

from django.utils.translation import gettext as _


class BBoxError(ValueError):
    pass


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """`minLon,minLat,maxLon,maxLat` in WGS84, as in OGC API - Features."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise BBoxError(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat."))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BBoxError(_("bbox needs four numbers: minLon,minLat,maxLon,maxLat.")) from None
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise BBoxError(_("bbox is outside the range of longitudes and latitudes."))
    if west > east or south > north:
        raise BBoxError(_("bbox minimums must not exceed its maximums."))
    return west, south, east, north
