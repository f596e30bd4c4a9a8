"""Map analyses run as background jobs (one function per kind)."""

from typing import Any

from cities.jobs import Progress, register_job_kind
from cities.models import Job
from cities.services import city_refresh_areas


@register_job_kind("city_areas", queue="analyses")
def city_areas(job: Job, progress: Progress) -> dict[str, Any]:
    """Measure the city and its districts on an equal-area projection (EPSG:3035)."""
    if job.city is None:
        raise ValueError("the city_areas job needs a city")
    progress(10, "Measuring districts")
    changed = city_refresh_areas(city=job.city)
    district_total = sum(d.area_km2 or 0 for d in job.city.districts.only("area_km2"))
    return {
        **changed,
        "city_area_km2": round(job.city.area_km2 or 0, 3),
        "districts_area_km2": round(district_total, 3),
    }
