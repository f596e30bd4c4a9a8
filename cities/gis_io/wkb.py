"""Screening geometries as GDAL hands them over (WKB), before they are staged.

A geometry over IMPORT_MAX_VERTICES vertices, a geometry collection inside another, or
coordinates that are not numbers are set aside with the reason, so the report names the
row instead of the whole import failing.
"""

import re
import struct

import numpy as np
from django.conf import settings

# Any NaN or infinite double has all exponent bits set: bytes [f0-ff][7f|ff] little
# endian, the reverse big endian. No match means no such double; a match is checked.
_NON_FINITE = re.compile(rb"[\xf0-\xff][\x7f\xff]|[\x7f\xff][\xf0-\xff]")


class _Refused(Exception):
    pass


def screen_wkb(wkb: bytes | None) -> tuple[bytes | None, str | None]:
    """The geometry to hand on (None when missing or empty) and the problem, if any.

    Problems: too_many_vertices, nested_collection, nan_coordinates. WKB this cannot walk
    (GDAL never writes such) is dropped without a problem, so it is reported as missing. Most
    geometries are let through on cheap tests; only the suspicious ones are walked.
    """
    if not wkb:
        return None, None
    limit = settings.IMPORT_MAX_VERTICES
    try:
        kind = _header(wkb, 0)[0]
        small = len(wkb) > 9 and (len(wkb) - 5) // 16 <= limit
        if kind != 7 and small and not _NON_FINITE.search(wkb):
            return wkb, None
        _end, vertices = _walk(wkb, 0, in_collection=False)
    except _Refused as problem:
        return None, str(problem)
    except (struct.error, ValueError, IndexError):
        return None, None
    if vertices > limit:
        return None, "too_many_vertices"
    return (wkb if vertices else None), None


def _header(wkb: bytes, pos: int) -> tuple[int, int, str, int]:
    """(base type, dimensions, struct byte order, position after the header)."""
    if wkb[pos] not in (0, 1):
        raise ValueError("not WKB")
    order = ">" if wkb[pos] == 0 else "<"
    (code,) = struct.unpack_from(f"{order}I", wkb, pos + 1)
    pos += 5
    if code & 0x20000000:  # EWKB with an SRID
        pos += 4
    z, m = bool(code & 0x80000000), bool(code & 0x40000000)
    code &= 0x0FFFFFFF
    z, m = z or code // 1000 in (1, 3), m or code // 1000 in (2, 3)
    return code % 1000, 2 + z + m, order, pos


def _coordinates(wkb: bytes, pos: int, count: int, dims: int, order: str) -> int:
    values = np.frombuffer(wkb, dtype=f"{order}f8", count=count * dims, offset=pos)
    if not np.isfinite(values).all():
        raise _Refused("nan_coordinates")
    return pos + 8 * count * dims


def _walk(wkb: bytes, pos: int, *, in_collection: bool) -> tuple[int, int]:
    """(position after the geometry at `pos`, its number of vertices)."""
    kind, dims, order, pos = _header(wkb, pos)
    if kind == 1:
        values = np.frombuffer(wkb, dtype=f"{order}f8", count=dims, offset=pos)
        if np.isnan(values).all():  # how WKB writes POINT EMPTY
            return pos + 8 * dims, 0
        return _coordinates(wkb, pos, 1, dims, order), 1
    (count,) = struct.unpack_from(f"{order}I", wkb, pos)
    pos += 4
    if kind in (2, 8):  # LineString, CircularString
        return _coordinates(wkb, pos, count, dims, order), count
    if kind in (3, 17):  # Polygon, Triangle: rings of points
        vertices = 0
        for _ring in range(count):
            (points,) = struct.unpack_from(f"{order}I", wkb, pos)
            pos = _coordinates(wkb, pos + 4, points, dims, order)
            vertices += points
        return pos, vertices
    if kind not in (4, 5, 6, 7, 9, 10, 11, 12, 15, 16):
        raise ValueError(f"WKB type {kind}")
    if kind == 7 and in_collection:
        raise _Refused("nested_collection")
    vertices = 0
    for _part in range(count):
        pos, part = _walk(wkb, pos, in_collection=in_collection or kind == 7)
        vertices += part
    return pos, vertices
