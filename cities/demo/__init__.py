"""Synthetic demo data for the city maps: `manage.py load_demo` calls `load()`.

Everything is filed under datasets labelled synthetic, generated from fixed
seeds, and loading twice writes nothing the second time.
"""

from cities.demo.flows import load_flows, load_stations
from cities.demo.geography import load_geography, load_sectors
from cities.demo.land import load_land
from cities.demo.sites import load_sites
from cities.demo.sync import LoadReport


def load() -> LoadReport:
    report = LoadReport()
    load_sectors(report)
    load_geography(report)
    load_land(report)
    load_sites(report)
    load_flows(report)
    load_stations(report)
    return report
