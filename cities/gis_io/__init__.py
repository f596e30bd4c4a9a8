"""Real data in and out: reading GIS files, inspecting, validating and committing them, exporting.

One module a step, each with the services the staff pages, the bulk API and
`manage.py import_layer` call:

- `sources`: checks an uploaded file (size, zip members, format sniffed from its bytes),
  opens it with GDAL (pyogrio) or reads it as CSV (`csv_source`), and yields its rows in
  batches (`records` holds the types handed on, `wkb` screens each geometry);
- `targets`: what can be imported (sites, zones, districts, ...) and each field's rules;
  `vocabularies`: the dictionaries coded fields are converted with;
- `staging`, `validation`, `commit`: the import pipeline's steps;
- `exports`: any layer of the catalogue (cities/layers.py) as a file.
"""
