"""Map analyses run as background jobs: one module per kind, registered in `base`; their
published results are a layer of the catalogue (`layer`)."""

from cities.analyses import (  # noqa: F401
    access,
    at_risk,
    city_areas,
    clusters,
    density,
    land_change,
    layer,
)
