"""Browsing and searching the toolkit: facets combine, counts follow, words are ranked."""

import re

import pytest
from django.http import QueryDict

from toolkit.models import Tool, ToolFeedback
from toolkit.selectors import ToolQuery, facet_counts, tool_search

pytestmark = pytest.mark.usefixtures("demo")


def search(query: str, language: str = "en") -> list[str]:
    return [
        t.slug for t in tool_search(query=ToolQuery.from_query(QueryDict(query)), language=language)
    ]


def test_words_are_found_and_the_best_match_comes_first():
    results = search("q=industrial land&sort=relevance")
    assert results[0] in {"industrial-land-audit", "protect-industrial-land-with-zoning"}
    assert "shared-energy-and-heat" not in results[:3]


def test_search_works_in_french_and_dutch_titles():
    assert "protect-industrial-land-with-zoning" in search("q=terrains industriels", "fr")
    assert search("q=werkplaatsen", "nl")


def test_two_facets_combine_and_values_within_one_facet_add_up():
    space = set(search("dimension=space"))
    makers = set(search("audience=maker"))
    both = set(search("dimension=space&audience=maker"))
    assert both == space & makers
    either = set(search("dimension=space&dimension=transitions"))
    assert either == space | set(search("dimension=transitions"))


def test_facet_counts_ignore_their_own_choice_and_respect_the_others():
    query = ToolQuery.from_query(QueryDict("dimension=space&audience=maker"))
    counts = facet_counts(query=query, language="en")
    assert counts["dimension"]["space"] == len(search("dimension=space&audience=maker"))
    assert counts["dimension"]["transitions"] == len(search("dimension=transitions&audience=maker"))
    assert counts["audience"]["maker"] == len(search("dimension=space&audience=maker"))


def test_most_useful_puts_the_best_rated_first(django_user_model):
    tool = Tool.objects.get(slug="reshoring-scan")
    user = django_user_model.objects.create(username="rater")
    ToolFeedback.objects.create(tool=tool, user=user, rating=5)
    assert search("sort=useful")[0] == "reshoring-scan"


def test_unknown_facet_values_and_sorts_are_ignored_not_fatal():
    assert search("dimension=outer-space&sort=chaos") == search("")


def test_the_toolkit_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        html = client.get(
            "/toolkit/?q=workspace&dimension=space&theme=affordable-space"
        ).content.decode()
    assert re.search(r"\d+ tools?", html)
    with django_assert_max_num_queries(14):
        client.get("/toolkit/")


def test_facets_and_query_live_in_the_address(client):
    html = client.get("/toolkit/?q=land&method=gis-mapping").content.decode()
    assert 'value="land"' in html
    assert 'name="method" value="gis-mapping" checked' in html


def test_pages_of_results_keep_the_search_and_filters(client):
    for n in range(30):
        Tool.objects.create(slug=f"extra-{n}", title_en=f"Extra land tool {n}", summary_en="Land.",
                            dimension="space", status="published")  # fmt: skip
    html = client.get("/toolkit/?q=land&dimension=space").content.decode()
    assert 'href="?q=land&amp;dimension=space&amp;page=2" rel="next"' in html
