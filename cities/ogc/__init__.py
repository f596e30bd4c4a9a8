"""OGC API - Features at /ogc/, served from the layer catalogue (cities/layers.py).

- `collections`: the catalogue's layers as collections (a context layer each by its name);
- `features`: a collection's items, pages built by PostGIS and paged by keyset;
- `crs`: the coordinate systems served (Part 2); `cql2`: filters as SQL (Part 3);
- `views`: the landing page, conformance, collections, queryables, items (JSON or HTML),
  one item; `openapi`: the OpenAPI document QGIS and GDAL read.
"""
