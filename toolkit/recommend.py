"""'Where do I start?': an ordered path of tools for a city, a challenge, a role and a capacity.

Each tool is scored on how well it answers the challenge, suits the role and
fits the capacity, with a bonus where it was applied in the same city. The best
ones are then put in a sensible order: first understand (data and mapping
tools), then act, then make it last (transitions). Every step says why.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cities.models import City
from toolkit.models import CaseStudy, Status, Tool

# challenge -> (dimensions, themes, methods) that answer it
CHALLENGE_FIT = {
    "losing-land": (
        {"space"}, {"affordable-space", "re-industrialisation"},
        {"gis-mapping", "policy-regulation"},
    ),
    "rising-rents": (
        {"space"}, {"affordable-space", "inclusive-economy"}, {"policy-regulation", "finance"},
    ),
    "no-data": (
        {"technology-resources"}, {"re-industrialisation"},
        {"statistics", "gis-mapping", "material-flow-analysis"},
    ),
    "circularity": ({"technology-resources"}, {"circular-economy"}, {"material-flow-analysis"}),
    "skills": ({"transitions"}, {"skills", "inclusive-economy"}, {"stakeholder-engagement"}),
    "coordination": (
        {"transitions"}, {"re-industrialisation", "re-shoring"},
        {"stakeholder-engagement", "policy-regulation"},
    ),
}  # fmt: skip
EFFORT_RANK = {"low": 0, "medium": 1, "high": 2}
UNDERSTAND = {"gis-mapping", "statistics", "material-flow-analysis"}


@dataclass
class Step:
    tool: Tool
    reasons: list[str]
    score: int


def recommend_path(*, city: City | None, challenge: str, role: str, capacity: str) -> list[Step]:
    dimensions, themes, methods = CHALLENGE_FIT[challenge]
    tools = list(
        Tool.objects.filter(status=Status.PUBLISHED)
        .prefetch_related("themes")
        .defer("context", "problem", "forces", "solution", "steps", "resources")
    )
    applied_here = set()
    if city is not None:
        applied_here = set(
            CaseStudy.objects.filter(city=city, status=Status.PUBLISHED).values_list(
                "tools", flat=True
            )
        )
    steps = []
    for tool in tools:
        score, reasons = 0, []
        tool_themes = {t.slug for t in tool.themes.all()}
        if tool.dimension in dimensions:
            score += 3
        matched = sorted(tool_themes & themes)
        if matched:
            score += 2 * len(matched)
            names = ", ".join(t.name for t in tool.themes.all() if t.slug in matched)
            reasons.append(_("It addresses your challenge (%(themes)s).") % {"themes": names})
        if set(tool.methods) & methods:
            score += 2
        if role in tool.audiences:
            score += 2
            reasons.append(_("It is written for people in your role."))
        gap = EFFORT_RANK[tool.effort_level] - EFFORT_RANK[capacity]
        if gap > 0:
            score -= 3 * gap
        else:
            reasons.append(_("It fits the effort you can put in now."))
        if tool.pk in applied_here:
            score += 2
            reasons.append(
                _("It has already been applied in %(city)s.") % {"city": city.short_name}
            )
        steps.append(Step(tool=tool, reasons=reasons, score=score))
    ranked = sorted(steps, key=lambda s: (-s.score, s.tool.title))
    # The strong matches, at most five, and never fewer than three tools.
    best = [s for s in ranked if s.score >= 5][:5] or []
    best += [s for s in ranked if s not in best][: max(0, 3 - len(best))]
    if not best:
        return []
    for step in best:
        if not step.reasons:
            step.reasons.append(_("It prepares the ground for the other steps."))

    # Understand first, then act, then make it last.
    def stage(step: Step) -> int:
        if set(step.tool.methods) & UNDERSTAND:
            return 0
        return 2 if step.tool.dimension == "transitions" else 1

    ordered = sorted(best, key=lambda s: (stage(s), -s.score, s.tool.title))
    if stage(ordered[0]) == 0:
        ordered[0].reasons.insert(0, _("Start by knowing the facts: it gives you the evidence."))
    return ordered
