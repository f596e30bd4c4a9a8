"""The toolkit's content files, as loaded by load_demo."""

import pytest

from cities.models import City
from toolkit.content_files import TOOL_SECTIONS, tool_documents
from toolkit.models import Action, CaseStudy, EngagementEvent, ImplementationPlan, Status, Tool

pytestmark = pytest.mark.usefixtures("demo")


def test_there_are_at_least_eight_published_tools_in_each_dimension():
    for dimension in ("technology-resources", "space", "transitions"):
        assert Tool.objects.filter(dimension=dimension, status=Status.PUBLISHED).count() >= 8


def test_every_tool_file_is_a_full_pattern_in_three_languages():
    docs = tool_documents()
    assert len(docs) >= 24
    for doc in docs:
        assert set(doc.sections) == set(TOOL_SECTIONS), doc.path.name
        assert doc.meta["fr"]["title"] and doc.meta["nl"]["title"], doc.path.name
        assert doc.meta["effort"]["level"] in ("low", "medium", "high"), doc.path.name
    tool = Tool.objects.get(slug="stacked-industrial-buildings")
    assert tool.steps.lstrip().startswith("1.")
    assert tool.related.exists()


def test_case_studies_plans_and_events_cover_the_three_cities():
    # The partner cities (browser journeys may have added others to the database).
    for city in City.objects.filter(slug__in=["brussels", "london", "rotterdam-the-hague"]):
        cases = CaseStudy.objects.filter(city=city, status=Status.PUBLISHED)
        assert cases.count() >= 3
        for case in cases:
            assert city.outline.buffer(0.02).contains(case.location), case.slug
            assert case.tools.exists() and case.sectors.exists(), case.slug
            assert case.illustrative
        plan = ImplementationPlan.objects.get(city=city)
        assert Action.objects.filter(plan=plan).count() >= 6
    assert EngagementEvent.objects.count() >= 6
