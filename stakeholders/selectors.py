"""Reads of workspaces: the directory, its map, matchmaking and the dashboards."""

from dataclasses import dataclass, field

from django.contrib.gis.geos import Point, Polygon
from django.db import connection, transaction
from django.db.models import Avg, Count, F, FloatField, Func, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Floor
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.layers import Field, Layer, LayerFilters, Where
from cities.models import MaterialCategory, Sector
from stakeholders.models import (
    REMIND_AFTER,
    STALE_AFTER,
    ModerationEvent,
    Process,
    Workspace,
    WorkspaceChange,
    WorkspacePhoto,
)

WORLD_3857 = 40075016.685578488  # metres across the Web Mercator square
CLUSTER_PX = 64  # workspaces closer than this many pixels on screen share a marker
POINTS_FROM_ZOOM = 16  # from here on, every workspace is drawn on its own


class KnnDistance(Func):
    """`location <-> point`: metres on the geography, and the GiST index's nearest-first order."""

    output_field = FloatField()

    def __init__(self, point: Point) -> None:
        super().__init__(F("location"))
        self.point = point

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} <-> ST_GeogFromText(%s))", [*params, self.point.ewkt]


class PlanarKnnDistance(Func):
    """`geom_3857 <-> point` in Web Mercator: a cheap nearest-first order for candidates.

    Planar distances in 3857 are stretched by the same factor all around a point, so
    they rank neighbours as the sphere does; the listed workspaces' partial GiST index
    serves this order several times faster than the geography one.
    """

    output_field = FloatField()

    def __init__(self, point: Point) -> None:
        super().__init__(F("geom_3857"))
        self.point = point

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"({column} <-> ST_Transform(ST_GeomFromEWKT(%s), 3857))"
        return sql, [*params, self.point.ewkt]


def workspaces_listed() -> QuerySet[Workspace]:
    """What the public sees in the directory: published and not closed."""
    return Workspace.objects.filter(status=Workspace.Status.APPROVED, closed_at__isnull=True)


def workspace_cards(queryset: QuerySet[Workspace]) -> QuerySet[Workspace]:
    """A directory page's rows with what the cards show, in a fixed number of queries."""
    return queryset.select_related("city", "dataset").prefetch_related(
        "processes",
        "sectors",
        Prefetch("photos", queryset=WorkspacePhoto.objects.filter(approved=True)),
    )


def workspace_detail(slug: str) -> Workspace | None:
    return (
        Workspace.objects.select_related("city", "dataset", "owner", "organisation")
        .prefetch_related(
            "sectors",
            "processes",
            "machines",
            "materials_used",
            "materials_offered",
            "photos",
        )
        .filter(slug=slug)
        .first()
    )


class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


CLUSTERS_SQL = """
    SELECT json_build_object('type', 'FeatureCollection', 'features',
             COALESCE(json_agg(json_build_object(
               'type', 'Feature',
               'geometry', ST_AsGeoJSON(
                   ST_Transform(ST_SetSRID(ST_MakePoint(c.x, c.y), 3857), 4326), 6)::json,
               'properties', CASE WHEN c.n = 1 THEN json_build_object(
                   'count', 1, 'name', w.name, 'slug', w.slug,
                   'stale', w.last_confirmed_at < %s)
                 ELSE json_build_object('count', c.n) END
             )), '[]'::json))::text
    FROM ({grouped}) AS c
    LEFT JOIN stakeholders_workspace w ON c.n = 1 AND w.id = c.one
"""


def workspace_clusters(queryset: QuerySet[Workspace], *, bbox: tuple, zoom: int) -> str:
    """GeoJSON of the filtered workspaces in a box (EPSG:4326 bounds), grouped on a grid.

    One statement: PostGIS groups the workspaces in square cells of about
    CLUSTER_PX pixels at this zoom (integer cell numbers, hashed), places each
    group at the mean of its members and builds the collection with json_agg,
    so 50,000 workspaces weigh no more on the page than a few hundred markers.
    """
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    box.transform(3857)
    # From POINTS_FROM_ZOOM, a centimetre: only workspaces in the same spot share a marker.
    cell = 0.01 if zoom >= POINTS_FROM_ZOOM else WORLD_3857 / (256 * 2**zoom) * CLUSTER_PX
    # A box far wider than its zoom (a hand-made request) still gets at most 64 x 64 cells.
    west, south, east, north = box.extent
    cell = max(cell, (east - west) / 64, (north - south) / 64)
    grouped = (
        queryset.filter(geom_3857__bboverlaps=box)
        .order_by()
        .annotate(
            cx=Floor(_X("geom_3857") / cell),
            cy=Floor(_Y("geom_3857") / cell),
        )
        .values("cx", "cy")
        .annotate(n=Count("pk"), x=Avg(_X("geom_3857")), y=Avg(_Y("geom_3857")), one=Min("pk"))
        .values("n", "x", "y", "one")
    )
    sql, params = grouped.query.sql_with_params()
    statement = CLUSTERS_SQL.format(grouped=sql)
    with transaction.atomic(), connection.cursor() as cursor:
        # Hash the cells in memory; JIT compiling costs more than this query takes.
        cursor.execute("SET LOCAL work_mem = '32MB'; SET LOCAL jit = off")
        cursor.execute(statement, [timezone.now() - STALE_AFTER, *params])
        return cursor.fetchone()[0]


def _workspace_rows(filters: LayerFilters) -> tuple[str, dict]:
    """Published workspaces' public fields; contact details only where the maker consented."""
    where = Where().add("w.status = 'approved'").add("w.closed_at IS NULL")
    where.common(filters, city="w.city_id", geom="w.location::geometry")
    if filters.sectors:
        where.add(
            "EXISTS (SELECT 1 FROM stakeholders_workspace_sectors ws"
            " WHERE ws.workspace_id = w.id AND ws.sector_id = ANY(%(sectors)s))",
            sectors=list(filters.sectors),
        )
    where.params["directory"] = reverse("stakeholders:directory")
    sql = f"""
        SELECT w.id, w.slug, w.name, %(directory)s || w.slug || '/' AS url, c.slug AS city,
               w.description, w.website,
               CASE WHEN w.contact_public THEN w.email END AS email,
               CASE WHEN w.contact_public THEN w.phone END AS phone,
               (SELECT string_agg(ws.sector_id::text, ',' ORDER BY ws.sector_id)
                FROM stakeholders_workspace_sectors ws WHERE ws.workspace_id = w.id) AS sectors,
               w.open_to_collaboration, d.slug AS dataset, w.location::geometry AS geom
        FROM stakeholders_workspace w
        JOIN cities_city c ON c.id = w.city_id
        JOIN cities_dataset d ON d.id = w.dataset_id
        {where.sql}
    """  # noqa: S608 (fixed clauses; values are parameters)
    return sql, where.params


WORKSPACES_LAYER = Layer(
    slug="workspaces",
    name=gettext_lazy("Maker workspaces"),
    description=gettext_lazy(
        "Published maker workspaces; contact details only where the maker agreed."
    ),
    geometry_type="Point",
    fields=(
        Field("slug", "string", gettext_lazy("identifier")),
        Field("name", "string", gettext_lazy("name")),
        Field("url", "string", gettext_lazy("page")),
        Field("city", "string", gettext_lazy("city")),
        Field("description", "string", gettext_lazy("description")),
        Field("website", "string", gettext_lazy("website")),
        Field("email", "string", gettext_lazy("contact email")),
        Field("phone", "string", gettext_lazy("contact phone")),
        Field("sectors", "string", gettext_lazy("NACE divisions")),
        Field("open_to_collaboration", "boolean", gettext_lazy("open to collaboration")),
        Field("dataset", "string", gettext_lazy("dataset")),
    ),
    rows=_workspace_rows,
    filters=frozenset({"city", "sector", "bbox"}),
    colour="#0b6e4f",
)


@dataclass
class Match:
    workspace: Workspace
    distance_m: float
    reasons: list[str] = field(default_factory=list)


MATCH_SQL = """
WITH me AS (SELECT id, location FROM stakeholders_workspace WHERE id = %(id)s),
my_used AS (SELECT materialcategory_id AS m FROM stakeholders_workspace_materials_used
            WHERE workspace_id = %(id)s),
my_offered AS (SELECT materialcategory_id AS m FROM stakeholders_workspace_materials_offered
               WHERE workspace_id = %(id)s),
my_complements AS (SELECT DISTINCT c.to_process_id AS p
                   FROM stakeholders_workspace_processes wp
                   JOIN stakeholders_process_complements c ON c.from_process_id = wp.process_id
                   WHERE wp.workspace_id = %(id)s)
SELECT * FROM (
  SELECT w.id, ST_Distance(w.location, me.location) AS metres,
    ARRAY(SELECT o.materialcategory_id FROM stakeholders_workspace_materials_offered o
          WHERE o.workspace_id = w.id AND o.materialcategory_id IN (SELECT m FROM my_used)
          ORDER BY 1) AS they_offer,
    ARRAY(SELECT u.materialcategory_id FROM stakeholders_workspace_materials_used u
          WHERE u.workspace_id = w.id AND u.materialcategory_id IN (SELECT m FROM my_offered)
          ORDER BY 1) AS they_use,
    ARRAY(SELECT p.process_id FROM stakeholders_workspace_processes p
          WHERE p.workspace_id = w.id AND p.process_id IN (SELECT p FROM my_complements)
          ORDER BY 1) AS complementary
  FROM stakeholders_workspace w, me
  WHERE w.id <> me.id AND w.status = 'approved' AND w.closed_at IS NULL
    AND ST_DWithin(w.location, me.location, %(metres)s)
  ORDER BY w.location <-> me.location
) AS candidates
WHERE cardinality(they_offer) + cardinality(they_use) + cardinality(complementary) > 0
LIMIT %(limit)s
"""


def workspace_matches(workspace: Workspace, *, km: float = 25, limit: int = 10) -> list[Match]:
    """Nearby published workspaces that could supply, take or complement this one, nearest first.

    Three queries whatever the number of matches: the match itself, the
    workspaces, and the names of the materials and processes in the reasons.
    """
    with connection.cursor() as cursor:
        cursor.execute(MATCH_SQL, {"id": workspace.pk, "metres": km * 1000, "limit": limit})
        rows = cursor.fetchall()
    if not rows:
        return []
    workspaces = workspace_cards(Workspace.objects.filter(pk__in=[r[0] for r in rows])).in_bulk()
    materials = {m.pk: m.name for m in MaterialCategory.objects.all()}
    processes = {p.pk: p.name for p in Process.objects.all()}

    def names(ids, table):
        return ", ".join(table[i] for i in ids)

    matches = []
    for pk, metres, they_offer, they_use, complementary in rows:
        reasons = []
        if they_offer:
            reasons.append(
                _("Offers %(materials)s, which you use")
                % {"materials": names(they_offer, materials)}
            )
        if they_use:
            reasons.append(
                _("Uses %(materials)s, which you offer") % {"materials": names(they_use, materials)}
            )
        if complementary:
            reasons.append(
                _("Complementary processes: %(processes)s")
                % {"processes": names(complementary, processes)}
            )
        matches.append(Match(workspace=workspaces[pk], distance_m=metres, reasons=reasons))
    return matches


def workspaces_managed_by(user) -> QuerySet[Workspace]:
    """A maker's own workspaces and those of the organisations they administer, in every
    status (the rule of permissions.can_edit_workspace, as a query)."""
    return Workspace.objects.filter(
        Q(owner=user)
        | Q(organisation__memberships__user=user, organisation__memberships__role="admin")
    ).distinct()


def workspaces_of(user) -> QuerySet[Workspace]:
    """A maker's dashboard: the workspaces they manage, with open changes and history."""
    return (
        workspaces_managed_by(user)
        .select_related("city")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=WorkspaceChange.objects.filter(
                    status__in=[
                        WorkspaceChange.Status.PENDING,
                        WorkspaceChange.Status.CHANGES_REQUESTED,
                    ]
                ),
                to_attr="open_changes",
            ),
            Prefetch(
                "events",
                queryset=ModerationEvent.objects.select_related("actor").order_by(
                    "-created_at", "-id"
                ),
            ),
        )
        .order_by("name")
    )


def moderation_queue(*, city: str = "", kind: str = "") -> QuerySet[Workspace]:
    """Workspaces waiting for a moderator, oldest first: new ones and edits to published ones."""
    new = Q(status=Workspace.Status.PENDING)
    edited = Q(status=Workspace.Status.APPROVED, changes__status=WorkspaceChange.Status.PENDING)
    condition = {"new": new, "edit": edited}.get(kind, new | edited)
    queryset = Workspace.objects.filter(condition)
    if city:
        queryset = queryset.filter(city__slug=city)
    return (
        queryset.distinct()
        .select_related("city", "owner")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=WorkspaceChange.objects.filter(status=WorkspaceChange.Status.PENDING),
                to_attr="open_changes",
            ),
            Prefetch("photos", queryset=WorkspacePhoto.objects.filter(approved=False)),
        )
        .order_by("submitted_at", "pk")
    )


def moderation_counts() -> dict:
    """The queue's figures in two statements: one pass over the workspaces, one count of
    the edits waiting."""
    now = timezone.now()
    listed = Q(status=Workspace.Status.APPROVED, closed_at__isnull=True)
    counts = Workspace.objects.aggregate(
        new=Count("pk", filter=Q(status=Workspace.Status.PENDING)),
        waiting_on_makers=Count("pk", filter=Q(status=Workspace.Status.CHANGES_REQUESTED)),
        listed=Count("pk", filter=listed),
        unconfirmed=Count("pk", filter=listed & Q(last_confirmed_at__lt=now - REMIND_AFTER)),
        stale=Count("pk", filter=listed & Q(last_confirmed_at__lt=now - STALE_AFTER)),
    )
    counts["edits"] = WorkspaceChange.objects.filter(status=WorkspaceChange.Status.PENDING).count()
    return counts


def city_dashboard(city) -> dict:
    """A city official's view: the city's published workspaces by sector, newest, stale."""
    now = timezone.now()
    listed = workspaces_listed().filter(city=city)
    by_sector = (
        listed.filter(sectors__isnull=False)
        .values("sectors")
        .annotate(n=Count("pk"))
        .order_by("-n", "sectors")
    )
    sectors = Sector.objects.in_bulk()
    return {
        "count": listed.count(),
        "by_sector": [{"sector": sectors[row["sectors"]], "n": row["n"]} for row in by_sector],
        "recent": listed.order_by("-decided_at", "-pk")[:10],
        "stale": listed.filter(last_confirmed_at__lt=now - STALE_AFTER).order_by(
            "last_confirmed_at"
        )[:20],
        "stale_count": listed.filter(last_confirmed_at__lt=now - STALE_AFTER).count(),
        "looking_for_space": listed.filter(looking_for_space=True).count(),
        "synthetic": listed.filter(dataset__quality="synthetic").exists(),
        "collaborating": listed.filter(open_to_collaboration=True).count(),
    }
