"""The models of the spatial base (`spatial`) and of the import pipeline (`imports`)."""

from cities.models.imports import Import, ImportIssue, StagedRow
from cities.models.spatial import (
    LICENCES,
    MAX_TILE_DETAIL_ZOOM,
    METRIC_SRID,
    THINNED_ZOOMS,
    Activity,
    City,
    ContextFeature,
    ContextLayer,
    Dataset,
    District,
    Indicator,
    Job,
    LandZone,
    MaterialCategory,
    MaterialFlow,
    Sector,
    Site,
    ZoningCategory,
)

__all__ = [
    "LICENCES", "MAX_TILE_DETAIL_ZOOM", "METRIC_SRID", "THINNED_ZOOMS", "Activity", "City",
    "ContextFeature", "ContextLayer", "Dataset", "District", "Import", "ImportIssue",
    "Indicator", "Job", "LandZone", "MaterialCategory", "MaterialFlow", "Sector", "Site",
    "StagedRow", "ZoningCategory",
]  # fmt: skip
