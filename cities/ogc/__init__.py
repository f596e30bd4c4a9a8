"""OGC API - Features at /ogc/, served from the layer catalogue (cities/layers.py).

- `collections`: the catalogue's layers as collections (a context layer each by its name);
- `features`: a collection's items, pages built by PostGIS and paged by keyset;
- `views`: the landing page, conformance, collections, items, one item and the OpenAPI
  document QGIS and GDAL read.
"""
