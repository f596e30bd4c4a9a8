"""What a dataset holds, and deleting it: all or nothing, refused while its data is in use.

Relations to `Dataset` are read from the model's meta, so rows of other apps
(maker workspaces) are counted and protect the dataset without `cities`
importing those apps.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from cities.generation import sites_thin
from cities.jobs import job_enqueue, job_fail, register_job_kind
from cities.maintenance import tables_refresh_statistics
from cities.models import (
    City,
    Dataset,
    District,
    Job,
    Site,
)
from cities.tile_versions import bump_layer_version

# Rows a deletion takes with it, by the name the pages use.
DELETED_WITH_IT = {
    "sites": "site",
    "zones": "landzone",
    "districts": "district",
    "indicators": "indicator",
    "flows": "materialflow",
    "context": "contextlayer",
}


class DatasetInUse(ValueError):
    """The dataset cannot go: str() says why."""


@dataclass
class Usage:
    counts: dict[str, int] = field(default_factory=dict)  # rows that go with the dataset
    context_features: int = 0
    blockers: list[str] = field(default_factory=list)  # why it cannot go

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.context_features


# What goes with a dataset, and what refers to its districts from other datasets: one
# statement (each count walks an index whose first column is the dataset).
_USAGE_SQL = """
SELECT
  (SELECT count(*) FROM cities_site WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_landzone WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_district WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_indicator WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_materialflow WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_contextlayer WHERE dataset_id = %(d)s),
  (SELECT count(*) FROM cities_contextfeature f JOIN cities_contextlayer l ON l.id = f.layer_id
   WHERE l.dataset_id = %(d)s),
  (SELECT count(*) FROM cities_indicator i JOIN cities_district d ON d.id = i.district_id
   WHERE d.dataset_id = %(d)s AND i.dataset_id <> %(d)s)
  + (SELECT count(*) FROM cities_materialflow f JOIN cities_district d
     ON d.id IN (f.origin_district_id, f.destination_district_id)
     WHERE d.dataset_id = %(d)s AND f.dataset_id <> %(d)s)
"""


def dataset_usage(dataset: Dataset) -> Usage:
    usage = Usage()
    with connection.cursor() as cursor:
        cursor.execute(_USAGE_SQL, {"d": dataset.pk})
        *counts, usage.context_features, elsewhere = cursor.fetchone()
    usage.counts = dict(zip(DELETED_WITH_IT, counts, strict=True))
    cities = list(City.objects.filter(dataset=dataset).values_list("name", flat=True))
    if cities:
        usage.blockers.append(
            _("It holds the outline of %(cities)s: a city cannot lose its outline.")
            % {"cities": ", ".join(cities)}
        )
    # Rows of other apps that protect the dataset (e.g. maker workspaces).
    known = {*DELETED_WITH_IT.values(), "city", "import"}
    for rel in Dataset._meta.related_objects:
        if rel.related_model._meta.model_name in known:
            continue
        n = rel.related_model.objects.filter(**{rel.field.name: dataset}).count()
        if n:
            usage.blockers.append(
                _("%(n)s %(things)s belong to it.")
                % {"n": n, "things": rel.related_model._meta.verbose_name_plural}
            )
    if elsewhere:
        usage.blockers.append(
            _("%(n)s statistics or flows of other datasets refer to its districts.")
            % {"n": elsewhere}
        )
    return usage


def dataset_delete(*, dataset: Dataset, expected: int | None = None) -> Usage:
    """Delete a dataset and every row of it, in one transaction; refuse while it is in use."""
    with transaction.atomic():
        Dataset.objects.select_for_update().get(pk=dataset.pk)
        usage = dataset_usage(dataset)
        if usage.blockers:
            raise DatasetInUse(" ".join(usage.blockers))
        if expected is not None and usage.total != expected:
            raise DatasetInUse(_("The dataset changed since you looked at it: look again."))
        city_ids = set(Site.objects.filter(dataset=dataset).values_list("city_id", flat=True))
        with connection.cursor() as cursor:
            for table in (
                "cities_site",
                "cities_landzone",
                "cities_indicator",
                "cities_materialflow",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE dataset_id = %s", [dataset.pk])  # noqa: S608
        District.objects.filter(dataset=dataset).delete()
        dataset.contextlayer_set.all().delete()
        try:
            dataset.delete()
        except ProtectedError as exc:  # something new came to depend on it
            raise DatasetInUse(_("Other data still depends on this dataset.")) from exc
        for city_id in city_ids:
            sites_thin(city=City(pk=city_id))
        for layer in ("sites", "zones", "districts"):
            bump_layer_version(layer)
    tables = {
        "cities_site",
        "cities_landzone",
        "cities_indicator",
        "cities_materialflow",
        "cities_district",
        "cities_contextfeature",
    }
    tables_refresh_statistics(tables=set(), vacuum=tables)
    return usage


# Above this many rows a deletion runs as a job (it may take minutes with its VACUUM).
INLINE_LIMIT = 50_000


def dataset_delete_request(*, dataset: Dataset, expected: int, user=None) -> Job | None:
    """Delete now when small, or start a job; refuses at once when the dataset is in use."""
    usage = dataset_usage(dataset)
    if usage.blockers:
        raise DatasetInUse(" ".join(usage.blockers))
    if usage.total != expected:
        raise DatasetInUse(_("The dataset changed since you looked at it: look again."))
    if usage.total <= INLINE_LIMIT:
        dataset_delete(dataset=dataset, expected=expected)
        return None
    return job_enqueue(
        kind="dataset_delete",
        params={"dataset": dataset.pk, "name": dataset.name, "expected": expected},
        requested_by=user,
    )


@register_job_kind("dataset_delete", queue="imports")
def _delete_job(job: Job, progress) -> dict:
    dataset = Dataset.objects.filter(pk=job.params["dataset"]).first()
    if dataset is None:  # delivered again after it was deleted
        return {"deleted": 0}
    progress(10, _("Deleting %(n)s rows in one transaction") % {"n": job.params["expected"]})
    try:
        usage = dataset_delete(dataset=dataset, expected=job.params["expected"])
    except DatasetInUse as exc:
        job_fail(job_id=job.pk, message=str(exc))
        return {"error": str(exc)}
    return {"deleted": usage.total}
