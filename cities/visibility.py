"""Datasets under embargo: until their day, their rows are read by their owners alone.

A dataset with an `embargo_until` in the future is left out of every public read: the
layer catalogue (the city map, the files, /ogc/), the tiles, the REST lists, a city's
figures and the analyses' inputs. The clause is in the SQL (`embargo_clause`), not a
list read first, so an embargo ends on its day with nothing to run, and a visitor's
request costs no extra query. Cached tiles are the exception: they are dropped when an
embargo is set or lifted, and each morning for the embargoes that ended (tasks.py), by
tile_versions.forget_all_tiles.

`cities` knows datasets but not who owns them: the stakeholders app registers a reader
at start-up that names the datasets a request may read anyway (those of the token's
organisation, or of the signed-in person's).
"""

from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

Reader = Callable[[HttpRequest], Iterable[int]]
_READERS: list[Reader] = []


def register_reader(reader: Reader) -> None:
    if reader not in _READERS:
        _READERS.append(reader)


def readable_datasets(request: HttpRequest | None) -> tuple[int, ...]:
    """The datasets under embargo this request may read (its owners'); once a request."""
    if request is None:
        return ()
    known = getattr(request, "_readable_datasets", None)
    if known is None:
        found: set[int] = set()
        for reader in _READERS:
            found.update(reader(request))
        known = tuple(sorted(found))
        request._readable_datasets = known
    return known


def embargo_clause(column: str, param: str = "readable") -> str:
    """SQL: `column` (a dataset id) is no dataset under embargo, unless one in %(param)s."""
    # A column name from code; the ids are a parameter.
    under = "SELECT id FROM cities_dataset WHERE embargo_until > CURRENT_DATE"
    return f"{column} NOT IN ({under} AND id <> ALL(%({param})s::bigint[]))"


def visible(queryset: QuerySet, readable: Iterable[int] = (), field: str = "dataset") -> QuerySet:
    """The rows of `queryset` whose dataset is under no embargo, or is one of `readable`."""
    today = timezone.now().date()  # the day in UTC, as CURRENT_DATE in the database
    open_ = Q(**{f"{field}__embargo_until__isnull": True}) | Q(
        **{f"{field}__embargo_until__lte": today}
    )
    readable = list(readable)
    if readable:
        open_ |= Q(**{f"{field}_id__in": readable})
    return queryset.filter(open_)
