"""Real data in and out: reading GIS files, inspecting, validating and committing them, exporting.

One module a step, each with the services the staff pages, the bulk API and
`manage.py import_layer` call:

- `sources`: checks an uploaded file (size, zip members, format sniffed from its bytes),
  opens it with GDAL (pyogrio) or reads it as CSV, and yields its rows in batches;
- `targets`: what can be imported (sites, zones, districts, ...) and each field's rules;
- `staging`, `validation`, `commit`: the import pipeline's steps;
- `exports`: any layer of the catalogue (cities/layers.py) as a file.
"""
