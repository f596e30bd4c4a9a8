from django.db import migrations

# Every change to a city's sites, land zones, districts or context features bumps
# that layer's version for the cities it touched (cities_dataversion). Statement
# triggers read the changed rows from transition tables: one upsert per statement,
# whatever the number of rows, so a million-row import pays once.
FORWARDS = """
CREATE OR REPLACE FUNCTION cities_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO cities_dataversion (city_id, layer, version, changed_at)
    SELECT DISTINCT city_id, TG_ARGV[0], 1, now() FROM new_rows
    ON CONFLICT (city_id, layer)
    DO UPDATE SET version = cities_dataversion.version + 1, changed_at = now();
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO cities_dataversion (city_id, layer, version, changed_at)
    SELECT DISTINCT city_id, TG_ARGV[0], 1, now() FROM old_rows
    ON CONFLICT (city_id, layer)
    DO UPDATE SET version = cities_dataversion.version + 1, changed_at = now();
  END IF;
  RETURN NULL;
END
$$;

-- Context features belong to a city through their layer.
CREATE OR REPLACE FUNCTION cities_bump_context_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO cities_dataversion (city_id, layer, version, changed_at)
    SELECT DISTINCT l.city_id, 'context', 1, now()
    FROM new_rows f JOIN cities_contextlayer l ON l.id = f.layer_id
    ON CONFLICT (city_id, layer)
    DO UPDATE SET version = cities_dataversion.version + 1, changed_at = now();
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO cities_dataversion (city_id, layer, version, changed_at)
    SELECT DISTINCT l.city_id, 'context', 1, now()
    FROM old_rows f JOIN cities_contextlayer l ON l.id = f.layer_id
    ON CONFLICT (city_id, layer)
    DO UPDATE SET version = cities_dataversion.version + 1, changed_at = now();
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cities_forget_data_versions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM cities_dataversion WHERE city_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END
$$;

CREATE TRIGGER city_forget_versions AFTER DELETE ON cities_city
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION cities_forget_data_versions();
"""

TABLES = {
    "cities_site": ("sites", "cities_bump_data_version"),
    "cities_landzone": ("zones", "cities_bump_data_version"),
    "cities_district": ("districts", "cities_bump_data_version"),
    "cities_contextfeature": ("context", "cities_bump_context_version"),
}
for table, (layer, function) in TABLES.items():
    FORWARDS += f"""
CREATE TRIGGER {table}_version_ins AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}('{layer}');
CREATE TRIGGER {table}_version_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}('{layer}');
CREATE TRIGGER {table}_version_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {function}('{layer}');
"""

BACKWARDS = "".join(
    f"DROP TRIGGER IF EXISTS {table}_version_{op} ON {table};\n"
    for table in TABLES
    for op in ("ins", "upd", "del")
) + """
DROP TRIGGER IF EXISTS city_forget_versions ON cities_city;
DROP FUNCTION IF EXISTS cities_bump_data_version();
DROP FUNCTION IF EXISTS cities_bump_context_version();
DROP FUNCTION IF EXISTS cities_forget_data_versions();
"""

# The versions of what exists already.
FORWARDS += """
INSERT INTO cities_dataversion (city_id, layer, version, changed_at)
SELECT city_id, 'sites', 1, now() FROM cities_site GROUP BY city_id
UNION ALL SELECT city_id, 'zones', 1, now() FROM cities_landzone GROUP BY city_id
UNION ALL SELECT city_id, 'districts', 1, now() FROM cities_district GROUP BY city_id
UNION ALL SELECT l.city_id, 'context', 1, now()
  FROM cities_contextfeature f JOIN cities_contextlayer l ON l.id = f.layer_id GROUP BY l.city_id
ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):
    dependencies = [("cities", "0006_analyses")]

    operations = [migrations.RunSQL(FORWARDS, BACKWARDS)]
