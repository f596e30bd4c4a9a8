from django.db import migrations

# Used by cities/gis_io/validation.py: a row whose geometry cannot be parsed or
# transformed gets NULL (and a message in the report) instead of failing the
# whole set-based statement.
FORWARDS = """
CREATE OR REPLACE FUNCTION cities_import_geometry(wkb bytea, srid integer)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF wkb IS NULL THEN
    RETURN NULL;
  END IF;
  -- Heights and measures are dropped: the portal's geometries are 2D.
  IF srid = 4326 THEN
    RETURN ST_Force2D(ST_GeomFromWKB(wkb, 4326));
  END IF;
  RETURN ST_Transform(ST_Force2D(ST_GeomFromWKB(wkb, srid)), 4326);
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$$;
"""
BACKWARDS = "DROP FUNCTION IF EXISTS cities_import_geometry(bytea, integer);"


class Migration(migrations.Migration):
    dependencies = [("cities", "0004_imports")]

    operations = [migrations.RunSQL(FORWARDS, BACKWARDS)]
