from tests.cities.gis_io.pipeline import importville

__all__ = ["importville"]
