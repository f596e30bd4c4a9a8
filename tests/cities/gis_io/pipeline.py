"""Running the import pipeline in a test, step by step, as the staff pages do."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cities.gis_io import steps
from cities.models import Import
from tests.factories import CityFactory, square

DATASET = {
    "name": "Test import",
    "publisher": "Test suite",
    "licence": "CC-BY-4.0",
    "source": "https://example.org/data",
    "quality": "official",
    "reference_date": "2024-06-30",
}


@pytest.fixture
def importville(db):
    """A city whose outline covers the sample files' Brussels coordinates."""
    return CityFactory(slug="importville", name="Importville", outline=square(4.25, 50.75, 0.25))


def upload(path: Path, target: str, city=None, *, user=None, options=None) -> Import:
    """Upload and inspect a file (the inspection runs here, not on a worker)."""
    imp = steps.import_create(
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        target=target,
        city=city,
        user=user,
        options=options,
        enqueue=False,
    )
    return steps.import_run_now(imp)


def validate(imp: Import, *, layer=None, srid=None, encoding=None, **mapping) -> Import:
    """Map (adding to the suggested mapping) and validate."""
    current = {**imp.mapping}
    for key in ("fields", "fixed", "values", "csv"):
        if key in mapping:
            current[key] = {**current.get(key, {}), **mapping.pop(key)}
    current.update(mapping)
    for _attempt in range(2):  # a changed layer or encoding is inspected again first
        imp = steps.import_map(
            imp=imp,
            layer=layer or imp.layer,
            encoding=encoding or imp.encoding,
            srid=srid or imp.srid,
            mapping=current,
            enqueue=False,
        )
        imp = steps.import_run_now(imp)
        if imp.stage != Import.Stage.MAP:
            break
    return imp


def commit(imp: Import, mode: str = "new", dataset=None, **values) -> Import:
    imp = steps.import_request_commit(
        imp=imp,
        mode=mode,
        dataset=dataset,
        dataset_values={**DATASET, **values} if mode == "new" else None,
        enqueue=False,
    )
    return steps.import_run_now(imp)


def report(imp: Import) -> list[tuple]:
    return list(imp.issues.order_by("row", "id").values_list("row", "field", "value", "message"))
