"""Load the toolkit's content files (`manage.py load_demo` calls `load()`).

Idempotent: rows are matched by slug (or city and title), only what differs is
written, and each written object gets one revision ("loaded from the content
files"), so staff history starts from the files.
"""

from datetime import UTC, date, datetime

import reversion
from django.contrib.gis.geos import Point
from django.db import transaction

from cities.demo.sync import LoadReport, sync
from cities.models import City, Sector
from toolkit.content_files import (
    ContentError,
    case_study_documents,
    plan_documents,
    read_yaml,
    tool_documents,
)
from toolkit.models import (
    Action,
    CaseStudy,
    EngagementEvent,
    ImplementationPlan,
    Status,
    Theme,
    Tool,
)

# Fixed, so that loading again changes nothing.
PUBLISHED_AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _translated(meta: dict, name: str) -> dict:
    values = {f"{name}_en": str(meta[name]).strip()}
    for language in ("fr", "nl"):
        values[f"{name}_{language}"] = str((meta.get(language) or {}).get(name, "")).strip()
    return values


def _set_m2m(manager, wanted, report: LoadReport) -> None:
    wanted = list(wanted)
    if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
        manager.set(wanted)
        report.updated += 1


def _require(doc, *keys: str) -> None:
    missing = [key for key in keys if not doc.meta.get(key)]
    if missing:
        raise ContentError(f"{doc.path.name}: missing {', '.join(missing)}")


def load_themes(report: LoadReport) -> dict[str, Theme]:
    themes = {}
    for row in read_yaml("themes.yaml"):
        values = {}
        for language in ("en", "fr", "nl"):
            values[f"name_{language}"] = row["name"].get(language, "")
            values[f"description_{language}"] = row.get("description", {}).get(language, "")
        themes[row["slug"]] = sync(Theme, {"slug": row["slug"]}, values, report)
    return themes


def load_tools(report: LoadReport, themes: dict[str, Theme]) -> dict[str, Tool]:
    docs = tool_documents()
    tools = {}
    for doc in docs:
        _require(doc, "title", "dimension", "summary")
        effort = doc.meta.get("effort") or {}
        values = {
            **_translated(doc.meta, "title"),
            **_translated(doc.meta, "summary"),
            "dimension": doc.meta["dimension"],
            "audiences": list(doc.meta.get("audiences") or []),
            "methods": list(doc.meta.get("methods") or []),
            "effort_level": effort.get("level", "medium"),
            "effort_time": str(effort.get("time", "")),
            "effort_cost": str(effort.get("cost", "")),
            "effort_skills": str(effort.get("skills", "")),
            "effort_data": str(effort.get("data", "")),
            "status": Status.PUBLISHED,
            "published_at": PUBLISHED_AT,
            **{name: doc.sections.get(name, "") for name in
               ("context", "problem", "forces", "solution", "steps", "resources")},
        }  # fmt: skip
        tool = sync(Tool, {"slug": doc.slug}, values, report)
        unknown = set(doc.meta.get("themes") or []) - set(themes)
        if unknown:
            raise ContentError(f"{doc.path.name}: unknown themes {sorted(unknown)}")
        _set_m2m(tool.themes, [themes[t] for t in doc.meta.get("themes") or []], report)
        tools[doc.slug] = tool
    for doc in docs:
        related = [tools[slug] for slug in doc.meta.get("related") or [] if slug in tools]
        # Symmetric: compare both directions' union so a reload writes nothing.
        current = set(tools[doc.slug].related.values_list("pk", flat=True))
        missing = [t for t in related if t.pk not in current]
        if missing:
            tools[doc.slug].related.add(*missing)
            report.updated += 1
    return tools


def load_case_studies(report: LoadReport, tools: dict[str, Tool]) -> None:
    cities = {c.slug: c for c in City.objects.all()}
    for doc in case_study_documents():
        _require(doc, "title", "city", "location", "years", "summary")
        city = cities.get(doc.meta["city"])
        if city is None:
            continue
        lon, lat = doc.meta["location"]
        start, end = [*doc.meta["years"], None][:2]
        values = {
            **_translated(doc.meta, "title"),
            **_translated(doc.meta, "summary"),
            "city": city,
            "district_name": doc.meta.get("district", ""),
            "location": Point(float(lon), float(lat), srid=4326),
            "start_year": int(start),
            "end_year": int(end) if end else None,
            "story": doc.sections.get("story", ""),
            "lessons": doc.sections.get("lessons", ""),
            "outcomes": [
                {"label": str(o["label"]), "value": str(o["value"])}
                for o in doc.meta.get("outcomes") or []
            ],
            "illustrative": bool(doc.meta.get("illustrative", True)),
            "status": Status.PUBLISHED,
            "published_at": PUBLISHED_AT,
        }
        case = sync(CaseStudy, {"slug": doc.slug}, values, report)
        _set_m2m(case.tools, [tools[s] for s in doc.meta.get("tools") or [] if s in tools], report)
        _set_m2m(
            case.sectors, Sector.objects.filter(code__in=doc.meta.get("sectors") or []), report
        )


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_plans(report: LoadReport, tools: dict[str, Tool]) -> None:
    cities = {c.slug: c for c in City.objects.all()}
    for doc in plan_documents():
        _require(doc, "city", "title", "vision")
        city = cities.get(doc.meta["city"])
        if city is None:
            continue
        goals = "\n".join(f"- {goal}" for goal in doc.meta.get("goals") or [])
        plan = sync(
            ImplementationPlan,
            {"city": city},
            {"title": doc.meta["title"], "vision": doc.meta["vision"], "goals": goals,
             "status": Status.PUBLISHED},
            report,
        )  # fmt: skip
        for order, row in enumerate(doc.meta.get("actions") or [], start=1):
            action = sync(
                Action,
                {"plan": plan, "title": row["title"]},
                {
                    "order": order,
                    "description": row.get("description", ""),
                    "lead": row.get("lead", ""),
                    "start": _date(row.get("start")),
                    "end": _date(row.get("end")),
                    "state": row.get("status", "planned"),
                    "progress": int(row.get("progress", 0)),
                    "indicator": row.get("indicator", ""),
                    "target": str(row.get("target", "")),
                },
                report,
            )
            _set_m2m(action.tools, [tools[s] for s in row.get("tools") or [] if s in tools], report)


def load_events(report: LoadReport, tools: dict[str, Tool]) -> None:
    cities = {c.slug: c for c in City.objects.all()}
    for row in read_yaml("events.yaml"):
        city = cities.get(row["city"])
        if city is None:
            continue
        event = sync(
            EngagementEvent,
            {"city": city, "date": _date(row["date"]), "title": row["title"]},
            {
                "kind": row["kind"],
                "participants": int(row.get("participants", 0)),
                "summary": row.get("summary", ""),
                "outcomes": row.get("outcomes", ""),
                "status": Status.PUBLISHED,
            },
            report,
        )
        _set_m2m(event.tools, [tools[s] for s in row.get("tools") or [] if s in tools], report)


@transaction.atomic
def load() -> LoadReport:
    report = LoadReport()
    with reversion.create_revision():
        reversion.set_comment("Loaded from the content files")
        themes = load_themes(report)
        tools = load_tools(report, themes)
        load_case_studies(report, tools)
        load_plans(report, tools)
        load_events(report, tools)
    return report
