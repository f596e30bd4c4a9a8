"""Keeping PostgreSQL's statistics true after bulk writes."""

from django.db import connection


def tables_refresh_statistics(*, tables: set[str], vacuum: set[str]) -> None:
    """ANALYZE what was written, VACUUM what had rows replaced: the next plans see the truth.

    VACUUM cannot run inside a transaction: there (a test's, a caller's), tables are
    only analysed.
    """
    can_vacuum = not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in sorted(tables | vacuum):
            verb = "VACUUM (ANALYZE)" if table in vacuum and can_vacuum else "ANALYZE"
            cursor.execute(f"{verb} {connection.ops.quote_name(table)}")
