"""Helpers for loading demo data so that a second load writes nothing."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Model

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows from a real dataset, which demo data never overwrites

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.kept:
            text += f", {self.kept} kept (not demo data)"
        return text


def sync(model, lookup: dict, values: dict, report: LoadReport):
    """Create the row, or update only the fields that differ, so a reload writes nothing.

    A row that belongs to another dataset (real data imported over the demo) is
    left as it is and None is returned.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is not None and "dataset" in values and obj.dataset_id != values["dataset"].pk:
        report.add("kept")
        return None
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.add("created")
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.add("updated")
    else:
        report.add("unchanged")
    return obj


def _differs(obj, name: str, wanted) -> bool:
    if isinstance(wanted, Model):
        # Compare the key: reading the related object would cost a query a row.
        return getattr(obj, obj._meta.get_field(name).attname) != wanted.pk
    return not _same(getattr(obj, name), wanted)


def _same(current, wanted) -> bool:
    if isinstance(wanted, GEOSGeometry):
        return current is not None and current.equals_exact(wanted, tolerance=1e-9)
    return current == wanted


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
