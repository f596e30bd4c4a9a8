"""`manage.py import_layer`: the staff pages' import pipeline, from the command line."""

import csv
import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from cities.gis_io import steps
from cities.gis_io.targets import TARGETS
from cities.models import LICENCES, City, Dataset, Import, ImportIssue


class Command(BaseCommand):
    help = (
        "Import a GIS or CSV file with the same inspection, validation and report as the "
        "staff data area. Fields are suggested by name unless given with --map."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", help="The file: GeoJSON, GeoPackage, zipped Shapefile, CSV, FlatGeobuf"
        )
        parser.add_argument("--target", required=True, choices=sorted(TARGETS))
        parser.add_argument("--city", help="City identifier (a new one for --target city)")
        parser.add_argument("--layer", default="", help="The layer of a GeoPackage")
        parser.add_argument("--srid", type=int, help="EPSG code when the file names none")
        parser.add_argument("--encoding", default="", help="Text encoding of a .dbf or CSV")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=SOURCE",
            help="Map a target field to a source field (repeatable)",
        )
        parser.add_argument(
            "--fixed",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="The same value for every row (repeatable)",
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="FIELD:CODE=OURS",
            help="Map one of the file's codes to ours (repeatable)",
        )
        parser.add_argument("--lon", default="", help="CSV longitude column")
        parser.add_argument("--lat", default="", help="CSV latitude column")
        parser.add_argument("--wkt", default="", help="CSV WKT column")
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="Zones: add zoning codes the city lacks as new categories",
        )
        parser.add_argument("--mode", choices=[m for m, _ in Import.Mode.choices], default="new")
        parser.add_argument("--dataset", help="Existing dataset identifier (replace, upsert)")
        parser.add_argument("--name", help="New dataset's name")
        parser.add_argument("--publisher", help="New dataset's publisher")
        parser.add_argument("--licence", choices=[code for code, _ in LICENCES])
        parser.add_argument("--source", default="", help="New dataset's source URL")
        parser.add_argument("--reference-date", default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--quality", choices=[q for q, _ in Dataset.Quality.choices], default="official"
        )
        parser.add_argument("--city-name", help="--target city: the new city's name")
        parser.add_argument("--country", help="--target city: ISO country code")
        parser.add_argument("--layer-name", help="--target context: the layer's name")
        parser.add_argument("--report", help="Write the validation report as CSV here")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing")
        parser.add_argument("--user", help="Username recorded as the importer")

    def handle(self, *args, **o) -> None:
        path = Path(o["path"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        target = TARGETS[o["target"]]
        city, options = None, {}
        if o["target"] == "city":
            if not (o["city"] and o["city_name"] and o["country"]):
                raise CommandError(
                    "--target city needs --city (identifier), --city-name, --country."
                )
            options = {"slug": o["city"], "name": o["city_name"], "country": o["country"].upper()}
        elif target.needs_city:
            city = City.objects.filter(slug=o["city"] or "").first()
            if city is None:
                raise CommandError(f"No city {o['city']!r}.")
        if o["target"] == "context":
            if not o["layer_name"]:
                raise CommandError("--target context needs --layer-name.")
            from django.utils.text import slugify

            options = {"layer_name": o["layer_name"], "layer_slug": slugify(o["layer_name"])}
        user = get_user_model().objects.filter(username=o["user"]).first() if o["user"] else None
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            imp = steps.import_create(
                upload=upload,
                target=o["target"],
                city=city,
                user=user,
                options=options,
                enqueue=False,
            )
            imp = steps.import_run_now(imp)
            self._say_job(imp)
            if imp.stage != Import.Stage.MAP:
                raise CommandError(f"The file could not be read: {imp.job.message}")
            mapping = self._mapping(imp, o)
            # A different layer or encoding is inspected again first, then validated.
            for _attempt in range(2):
                imp = steps.import_map(
                    imp=imp,
                    layer=o["layer"] or imp.layer,
                    encoding=o["encoding"] or imp.encoding,
                    srid=o["srid"] or imp.srid,
                    mapping=mapping,
                    enqueue=False,
                )
                imp = steps.import_run_now(imp)
                if imp.stage != Import.Stage.MAP or imp.job.status == "failed":
                    break
            self._say_job(imp)
            self._report(imp, o["report"])
            if imp.errors or o["dry_run"]:
                if imp.errors:
                    raise CommandError(f"{imp.errors} errors: nothing was imported.")
                self.stdout.write("Dry run: nothing was written.")
                return
            dataset = Dataset.objects.filter(slug=o["dataset"]).first() if o["dataset"] else None
            values = None
            if o["mode"] == "new":
                if not (o["name"] and o["publisher"] and o["licence"]):
                    raise CommandError("A new dataset needs --name, --publisher and --licence.")
                values = {
                    "name": o["name"],
                    "publisher": o["publisher"],
                    "licence": o["licence"],
                    "source": o["source"],
                    "quality": o["quality"],
                    "reference_date": o["reference_date"],
                }
            imp = steps.import_request_commit(
                imp=imp, mode=o["mode"], dataset=dataset, dataset_values=values, enqueue=False
            )
            imp = steps.import_run_now(imp)
            self._say_job(imp)
        except steps.ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        if imp.stage != Import.Stage.DONE:
            raise CommandError(f"Not committed: {imp.job.message}")
        self.stdout.write(
            self.style.SUCCESS(f"Committed into {imp.dataset.slug}: {json.dumps(imp.committed)}")
        )

    def _mapping(self, imp: Import, o: dict) -> dict:
        mapping = dict(imp.mapping or {})
        fields = dict(mapping.get("fields", {}))
        fixed = dict(mapping.get("fixed", {}))
        values: dict = {}
        known = {f.name for f in TARGETS[imp.target].fields}
        for item, into in ((o["map"], fields), (o["fixed"], fixed)):
            for pair in item:
                name, sep, value = pair.partition("=")
                if not sep or name not in known:
                    raise CommandError(f"{pair!r}: use FIELD=..., FIELD one of {sorted(known)}.")
                into[name] = value
        for pair in o["value"]:
            left, sep, ours = pair.partition("=")
            name, colon, code = left.partition(":")
            if not (sep and colon) or name not in known:
                raise CommandError(f"{pair!r}: use FIELD:CODE=OURS.")
            values.setdefault(name, {})[code] = ours
        mapping.update(
            fields=fields, fixed=fixed, values=values, create_categories=o["create_categories"]
        )
        if o["lon"] or o["lat"] or o["wkt"] or "csv" in mapping:
            csv_choice = dict(mapping.get("csv", {}))
            csv_choice.update({k: o[k] for k in ("lon", "lat", "wkt") if o[k]})
            mapping["csv"] = csv_choice
        return mapping

    def _say_job(self, imp: Import) -> None:
        if imp.job is not None:
            self.stdout.write(f"{imp.job.kind}: {imp.job.status} {imp.job.message}".rstrip())

    def _report(self, imp: Import, path: str | None) -> None:
        self.stdout.write(f"{imp.rows_total} rows, {imp.errors} errors, {imp.warnings} repaired")
        issues = ImportIssue.objects.filter(upload=imp).order_by("row", "id")
        for issue in issues[:20]:
            self.stdout.write(f"  row {issue.row}: {issue.field} {issue.value!r}: {issue.message}")
        if path:
            out = sys.stdout if path == "-" else open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            writer = csv.writer(out)
            writer.writerow(["row", "field", "value", "message", "severity"])
            for issue in issues.iterator():
                writer.writerow(
                    [issue.row, issue.field, issue.value, issue.message, issue.severity]
                )
            if out is not sys.stdout:
                out.close()
