"""What the benchmark scripts share: the machine they ran on, and a timer."""

import os
import platform
import time

from django.db import connection


def machine() -> str:
    """Cores, memory, Python, PostgreSQL and PostGIS: what a figure needs beside it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
        pg, postgis = cursor.fetchone()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python "
        f"{platform.python_version()}, PostgreSQL {pg}, PostGIS {postgis}"
    )


def timed(fn):
    """(milliseconds, result) of calling fn."""
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result
