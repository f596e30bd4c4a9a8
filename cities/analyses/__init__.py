"""Map analyses run as background jobs: one module per kind, registered in `base`."""

from cities.analyses import access, at_risk, city_areas, clusters, density, land_change  # noqa: F401
