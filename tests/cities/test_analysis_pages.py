"""The analysis pages and API as people use them: forms, who may do what, reuse, downloads."""

import csv
import io
import json
import math

import mapbox_vector_tile
import pytest
from django.test import Client
from django.urls import reverse

from cities.analyses.base import get_kind
from cities.analyses.results import published_layers
from cities.analyses.services import AnalysisRefused, analysis_request
from cities.jobs import job_execute
from cities.models import Analysis, AnalysisFeature, AnalysisSite, Job, LandZone
from tests.cities.analysis_fixtures import (
    build_districts,
    build_land,
    build_stations,
    metric_box,
    site,
)
from tests.factories import CityFactory, square


def analysis_jobs():
    """Analysis runs' jobs (journeys elsewhere commit jobs of their own, e.g. map upkeep)."""
    return Job.objects.filter(kind__startswith="analysis")


def run_url(city, kind: str) -> str:
    return reverse("cities:analysis-run", kwargs={"slug": city.slug, "kind": kind})


def page(analysis: Analysis, name: str = "analysis", **extra) -> str:
    return reverse(
        f"cities:{name}", kwargs={"slug": analysis.city.slug, "pk": analysis.pk, **extra}
    )


def finished(user, city, kind: str = "land-change", **params) -> Analysis:
    """A land-change result (by default) computed here, as the worker would."""
    params = params or {"year_from": 2009, "year_to": 2019}
    requested = analysis_request(user=user, city=city, kind=get_kind(kind), params=params)
    job_execute(job_id=requested.analysis.job_id)
    return Analysis.objects.select_related("job", "city").get(pk=requested.analysis.pk)


def tile_of(point, z: int) -> tuple[int, int]:
    n = 2**z
    lat = math.radians(point.y)
    return int((point.x + 180) / 360 * n), int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def land(city):
    return build_land(city)  # with its two districts


# ---- Forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "field", "message"),
    [
        ("density", {"cell_size": "100", "measure": "sites"}, "cell_size", ">= 250"),
        ("density", {"cell_size": "3000", "measure": "sites"}, "cell_size", "<= 2000"),
        ("density", {"cell_size": "500", "measure": "people"}, "measure", "valid choice"),
        ("clusters", {"distance": "100", "min_points": "2"}, "min_points", ">= 3"),
        ("clusters", {"distance": "10", "min_points": "5"}, "distance", ">= 25"),
        ("transport-access", {"distance": "50"}, "distance", ">= 100"),
        ("land-change", {"year_from": "2019", "year_to": "2009"}, "year_to", "must come after"),
        ("land-change", {"year_from": "2009", "year_to": "2009"}, "year_to", "must come after"),
        ("land-change", {"year_from": "2009", "year_to": "2015"}, "year_to", "valid choice"),
        ("sites-at-risk", {"year_from": "1800", "year_to": "2019"}, "year_from", "valid choice"),
    ],
)  # fmt: skip
def test_a_parameter_out_of_range_is_refused_on_the_form_and_nothing_runs(
    city, land, mona, kind, data, field, message
):
    site(city, "one", 150, 150, employees=5)

    response = signed_in(mona).post(run_url(city, kind), data)

    assert response.status_code == 400
    message = message.replace(">=", "greater than or equal to").replace(
        "<=", "less than or equal to"
    )
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Analysis.objects.exists() and not analysis_jobs().exists()


def test_a_city_without_land_zones_is_told_to_import_them_first(city, mona):
    response = signed_in(mona).post(run_url(city, "land-change"), {})

    assert response.status_code == 400
    assert "has no industrial land data yet: import land zones first" in response.content.decode()


def test_a_city_without_a_transport_layer_cannot_ask_for_access(city, land, mona):
    site(city, "one", 150, 150)

    response = signed_in(mona).post(run_url(city, "transport-access"), {"distance": "800"})

    assert response.status_code == 400
    assert not Analysis.objects.exists()


def test_choices_that_match_no_site_are_refused_before_any_run(city, land, mona):
    site(city, "food", 150, 150, sector=10)

    response = signed_in(mona).post(
        run_url(city, "density"), {"cell_size": "500", "measure": "sites", "sectors": ["25"]}
    )

    assert response.status_code == 400
    assert "has no open manufacturing sites for this choice" in response.content.decode()


def test_an_unknown_kind_is_a_404(city, mona):
    assert signed_in(mona).get(run_url(city, "kriging")).status_code == 404


# ---- Who may do what ------------------------------------------------------------------------


def test_an_official_runs_an_analysis_on_their_city_and_lands_on_its_page(city, land, olivia):
    response = signed_in(olivia).post(
        run_url(city, "land-change"), {"year_from": "2009", "year_to": "2019"}
    )

    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response["Location"] == analysis.get_absolute_url()
    assert analysis.requested_by == olivia and analysis.job.status == Job.Status.QUEUED
    assert analysis.params == {"year_from": 2009, "year_to": 2019}


def test_an_official_of_another_city_a_maker_and_a_visitor_cannot_run_one(city, land, alice):
    elsewhere = CityFactory(slug="elsewhere", outline=square(12, 45, 0.1))
    other_official = signed_in(alice)
    from stakeholders.models import Membership, Organisation

    office = Organisation.objects.create(slug="else", name="Else", kind="city", city=elsewhere)
    Membership.objects.create(organisation=office, user=alice, role="member")
    data = {"year_from": "2009", "year_to": "2019"}

    assert other_official.post(run_url(city, "land-change"), data).status_code == 403
    response = Client().post(run_url(city, "land-change"), data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Analysis.objects.exists()


def test_a_maker_cannot_run_one(city, land, bob):
    response = signed_in(bob).get(run_url(city, "land-change"))
    assert response.status_code == 403


def test_an_unpublished_result_is_private_to_the_city_and_staff(city, land, olivia, mona, bob):
    analysis = finished(olivia, city)

    assert signed_in(olivia).get(page(analysis)).status_code == 200
    assert signed_in(mona).get(page(analysis)).status_code == 200
    for visitor in (Client(), signed_in(bob)):
        assert visitor.get(page(analysis)).status_code == 404
        assert visitor.get(page(analysis, "analysis-status")).status_code == 404
        assert visitor.get(page(analysis, "analysis-geojson")).status_code == 404
        listed = visitor.get(reverse("cities:analyses", kwargs={"slug": city.slug}))
        assert analysis.get_absolute_url() not in listed.content.decode()


def test_publishing_shows_the_result_to_everyone_and_unpublishing_hides_it(city, land, olivia, bob):
    analysis = finished(olivia, city)
    official = signed_in(olivia)

    assert signed_in(bob).post(page(analysis), {"action": "publish"}).status_code == 404
    response = official.post(page(analysis), {"action": "publish"}, follow=True)
    assert "Published: everyone can now see this result." in response.content.decode()
    visitor = Client()
    index = visitor.get(reverse("cities:analyses", kwargs={"slug": city.slug})).content.decode()
    assert analysis.get_absolute_url() in index
    assert visitor.get(page(analysis)).status_code == 200
    assert visitor.post(page(analysis), {"action": "unpublish"}).status_code == 403
    # On the city map, as layers: those with features, counted once by the run.
    assert analysis.summary["layer_counts"] == {"lost": 3, "gained": 2}
    assert [overlay["layer"] for overlay in published_layers(city)] == ["lost", "gained"]

    official.post(page(analysis), {"action": "unpublish"})
    assert visitor.get(page(analysis)).status_code == 404
    assert published_layers(city) == []


def test_a_run_still_going_cannot_be_published(city, land, olivia):
    analysis = analysis_request(
        user=olivia, city=city, kind=get_kind("land-change"),
        params={"year_from": 2009, "year_to": 2019},
    ).analysis  # fmt: skip

    response = signed_in(olivia).post(page(analysis), {"action": "publish"}, follow=True)

    assert "Only a finished result can be published." in response.content.decode()
    analysis.refresh_from_db()
    assert analysis.published_at is None


def test_an_unknown_action_is_a_400(city, land, olivia):
    analysis = finished(olivia, city)
    assert signed_in(olivia).post(page(analysis), {"action": "explode"}).status_code == 400


def test_deleting_a_result_removes_it_and_its_features_after_confirmation(city, land, olivia):
    analysis = finished(olivia, city)
    official = signed_in(olivia)
    assert analysis.features.exists()

    confirm = official.get(page(analysis, "analysis-delete"))
    assert confirm.status_code == 200 and "<form" in confirm.content.decode()
    response = official.post(page(analysis, "analysis-delete"))

    assert response.status_code == 302
    assert not Analysis.objects.exists() and not analysis_jobs().exists()
    assert not AnalysisFeature.objects.exists()


def test_a_running_analysis_is_cancelled_before_it_can_be_deleted(city, land, olivia):
    analysis = analysis_request(
        user=olivia, city=city, kind=get_kind("land-change"),
        params={"year_from": 2009, "year_to": 2019},
    ).analysis  # fmt: skip
    official = signed_in(olivia)

    refused = official.post(page(analysis, "analysis-delete"), follow=True)

    assert "still running: cancel it, then delete it" in refused.content.decode()
    assert Analysis.objects.filter(pk=analysis.pk).exists()
    official.post(page(analysis), {"action": "cancel"})
    official.post(page(analysis, "analysis-delete"))
    assert not Analysis.objects.exists() and not analysis_jobs().exists()


def test_only_its_author_and_staff_may_delete_a_result(city, land, olivia, mona):
    analysis = finished(mona, city)
    assert signed_in(olivia).post(page(analysis, "analysis-delete")).status_code == 403
    assert Analysis.objects.filter(pk=analysis.pk).exists()


# ---- Reuse and limits -----------------------------------------------------------------------


def test_the_same_choices_on_the_same_data_open_the_existing_result(city, land, olivia):
    first = finished(olivia, city)
    official = signed_in(olivia)

    response = official.post(
        run_url(city, "land-change"), {"year_from": "2009", "year_to": "2019"}, follow=True
    )

    assert response.redirect_chain[-1][0] == first.get_absolute_url()
    assert "already run with these choices on the same data" in response.content.decode()
    assert Analysis.objects.count() == 1 and analysis_jobs().count() == 1


def test_a_change_to_the_data_makes_the_result_stale_and_a_new_run_computes_it_again(
    city, land, olivia
):
    first = finished(olivia, city)
    LandZone.objects.create(
        city=city, dataset=city.dataset, category=land.industry, name="H",
        protection="partial", reference_year=2019, geom=metric_box(600, 600, 100),
    )  # fmt: skip

    official = signed_in(olivia)
    stale = official.get(page(first)).content.decode()
    assert "The data this result was computed from has changed since" in stale
    assert "Run it again on today’s data" in stale

    response = official.post(page(first), {"action": "rerun"})

    again = Analysis.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == again.get_absolute_url()
    assert again.params == first.params and again.job.status == Job.Status.QUEUED
    assert again.data_versions["zones"] > first.data_versions["zones"]


def test_a_person_may_have_only_so_many_runs_going_at_once(city, land, olivia, settings):
    settings.ANALYSIS_MAX_RUNNING_PER_USER = 1
    site(city, "one", 150, 150, employees=3)
    official = signed_in(olivia)
    official.post(run_url(city, "land-change"), {"year_from": "2009", "year_to": "2019"})

    response = official.post(run_url(city, "density"), {"cell_size": "500", "measure": "sites"})

    assert response.status_code == 429
    assert "You already have 1 analyses running" in response.content.decode()
    assert Analysis.objects.count() == 1
    with pytest.raises(AnalysisRefused):
        analysis_request(
            user=olivia, city=city, kind=get_kind("sites-at-risk"),
            params={"year_from": 2009, "year_to": 2019},
        )  # fmt: skip


# ---- The pages ----------------------------------------------------------------------------


def test_the_index_lists_the_kinds_and_the_results_in_a_few_queries(
    city, land, olivia, django_assert_num_queries
):
    for year_to in (2019,):
        finished(olivia, city, year_from=2009, year_to=year_to)
    finished(olivia, city, "sites-at-risk", year_from=2009, year_to=2019)
    official = signed_in(olivia)
    official.get("/")  # the session and the user are loaded once, as on any page

    with django_assert_num_queries(7):
        response = official.get(reverse("cities:analyses", kwargs={"slug": city.slug}))

    html = response.content.decode()
    for title in ("Industrial land change", "Density", "Clusters", "Access to transport",
                  "Sites at risk"):  # fmt: skip
        assert title in html
    assert html.count('href="/cities/testville/analyses/run/') >= 5
    assert html.count("/cities/testville/analyses/") >= 7


def test_a_result_page_shows_its_totals_tables_and_map_layers(
    city, land, olivia, django_assert_num_queries
):
    analysis = finished(olivia, city)
    official = signed_in(olivia)
    official.get("/")

    # None of them counts the result's layers (the run stored the counts), none per row.
    with django_assert_num_queries(7):
        response = official.get(page(analysis))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Industrial land change" in html and city.name in html
    assert "West" in html and "East" in html and "No longer industrial land" in html
    config = response.context["map_config"]
    assert [layer["key"] for layer in config["layers"]] == ["lost", "gained"]
    assert f"/cities/testville/analyses/{analysis.pk}/districts.csv" in html


def test_a_running_result_page_shows_its_progress_and_can_be_cancelled(city, land, olivia):
    analysis = analysis_request(
        user=olivia, city=city, kind=get_kind("land-change"),
        params={"year_from": 2009, "year_to": 2019},
    ).analysis  # fmt: skip
    official = signed_in(olivia)

    html = official.get(page(analysis)).content.decode()
    assert '<progress class="job__bar"' in html and page(analysis, "analysis-status") in html
    status = official.get(page(analysis, "analysis-status")).json()
    assert status == {"status": "queued", "progress": 0, "message": "", "finished": False}

    official.post(page(analysis), {"action": "cancel"})
    analysis.job.refresh_from_db()
    assert analysis.job.status == Job.Status.CANCELLED


def test_a_failed_run_says_why_on_its_page(city, land, olivia):
    analysis = analysis_request(
        user=olivia, city=city, kind=get_kind("land-change"),
        params={"year_from": 2009, "year_to": 2030},
    ).analysis  # fmt: skip
    job_execute(job_id=analysis.job_id)

    html = signed_in(olivia).get(page(analysis)).content.decode()

    assert "has no industrial land data for 2030" in html


def test_a_table_downloads_as_csv_with_a_header_row(city, land, olivia):
    analysis = finished(olivia, city)

    response = signed_in(olivia).get(page(analysis, "analysis-csv", table="districts"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"testville-land-change-{analysis.pk}-districts.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "District" and len(rows) == 3
    assert {row[0] for row in rows[1:]} == {"West", "East"}
    totals = signed_in(olivia).get(page(analysis, "analysis-csv", table="totals"))
    assert len(list(csv.reader(io.StringIO(totals.content.decode("utf-8-sig"))))) == 2
    assert signed_in(olivia).get(page(analysis, "analysis-csv", table="nope")).status_code == 404


def test_a_text_that_starts_like_a_formula_is_not_run_by_a_spreadsheet(city, olivia):
    build_districts(city)
    from cities.models import District

    District.objects.filter(name="West").update(name="=HYPERLINK(1)")
    site(city, "one", 150, 150, employees=1)
    analysis = finished(olivia, city, "density", cell_size=500, measure="sites")

    body = signed_in(olivia).get(page(analysis, "analysis-csv", table="densest")).content
    assert "'=HYPERLINK(1)" in body.decode("utf-8-sig")


def test_the_result_layers_download_as_geojson_one_or_all(city, land, olivia):
    analysis = finished(olivia, city)
    official = signed_in(olivia)

    everything = json.loads(b"".join(official.get(page(analysis, "analysis-geojson"))))
    lost = json.loads(
        b"".join(official.get(page(analysis, "analysis-geojson") + "?layer=lost&download"))
    )

    assert everything["type"] == "FeatureCollection" and len(everything["features"]) == 5
    assert {f["properties"]["layer"] for f in lost["features"]} == {"lost"}
    assert len(lost["features"]) == 3
    assert official.get(page(analysis, "analysis-geojson") + "?layer=x").status_code == 400


def test_a_result_tile_holds_its_layers_and_a_bad_tile_is_a_400(city, land, olivia):
    analysis = finished(olivia, city)
    official = signed_in(olivia)
    x, y = tile_of(analysis.features.filter(layer="lost").first().geom.centroid, 14)

    response = official.get(page(analysis, "analysis-tile", z=14, x=x, y=y))

    assert response.status_code == 200
    (tile_layer,) = mapbox_vector_tile.decode(response.content).values()
    drawn = {f["properties"]["layer"] for f in tile_layer["features"]}
    assert drawn and drawn <= {"lost", "gained"}
    again = official.get(
        page(analysis, "analysis-tile", z=14, x=x, y=y), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304
    assert official.get(page(analysis, "analysis-tile", z=3, x=99, y=0)).status_code == 400


def test_a_layer_of_sites_is_drawn_from_the_sites_themselves_and_thinned_like_them(
    city, land, olivia
):
    build_stations(city, (500, 500))
    far = site(city, "far", 1900, 900, employees=7, min_zoom=14)
    also_far = site(city, "also-far", 1898, 898, employees=2, min_zoom=9)
    site(city, "near", 600, 600)
    analysis = finished(olivia, city, "transport-access", layer="rail-stations", distance=800)
    official = signed_in(olivia)
    assert analysis.feature_count == 2
    assert set(AnalysisSite.objects.values_list("site__name", flat=True)) == {"far", "also-far"}

    def drawn(z: int) -> dict[str, dict]:
        x, y = tile_of(far.geom, z)
        response = official.get(page(analysis, "analysis-tile", z=z, x=x, y=y))
        assert response.status_code == 200
        layers = mapbox_vector_tile.decode(response.content).values()
        return {f["properties"]["name"]: f["properties"] for t in layers for f in t["features"]}

    at_14 = drawn(14)
    assert set(at_14) == {"far", "also-far"}
    assert at_14["far"]["layer"] == "beyond" and at_14["far"]["district"] == "East"
    assert set(drawn(10)) == {"also-far"}  # thinned as the city map's site tiles are

    # A site deleted since drops out of the layer; the result says its data changed.
    also_far.delete()
    (feature,) = json.loads(b"".join(official.get(page(analysis, "analysis-geojson"))))["features"]
    assert feature["properties"] == {
        "layer": "beyond", "site": far.pk, "name": "far", "sector": 25, "employees": 7,
        "district": "East", "distance_m": feature["properties"]["distance_m"],
    }  # fmt: skip
    assert feature["properties"]["distance_m"] > 800

    official.post(page(analysis, "analysis-delete"))
    assert not Analysis.objects.exists() and not AnalysisSite.objects.exists()


# ---- The API ------------------------------------------------------------------------------

API = "/api/v1/analyses/"
LAND = {"city": "testville", "kind": "land-change",
        "parameters": {"year_from": 2009, "year_to": 2019}}  # fmt: skip


def test_a_partner_asks_for_a_run_follows_it_and_reads_its_result(city, land, olivia):
    official = signed_in(olivia)

    created = official.post(API, LAND, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "queued" and body["geojson"] is None
    assert created["Location"].endswith(f"/cities/testville/analyses/{body['id']}/")
    job_execute(job_id=Analysis.objects.get(pk=body["id"]).job_id)

    done = official.get(f"{API}{body['id']}/").json()
    assert done["status"] == "succeeded" and done["feature_count"] == 5
    assert done["summary"]["totals"]["lost_ha"] == pytest.approx(3, abs=1e-3)
    features = json.loads(b"".join(official.get(done["geojson"] + "?layer=gained")))
    assert len(features["features"]) == 2
    table = official.get(done["csv"]["districts"])
    assert table["Content-Type"].startswith("text/csv")
    assert b"".join(table).decode("utf-8-sig").splitlines()[0].startswith("District")
    assert official.get(f"{API}{body['id']}/csv/?table=nope").status_code == 400

    again = official.post(API, LAND, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert [a["id"] for a in official.get(API + "?city=testville").json()["results"]] == [
        body["id"]
    ]


def test_the_api_refuses_visitors_makers_and_bad_parameters_with_reasons(city, land, bob, olivia):
    assert Client().post(API, LAND, content_type="application/json").status_code == 401
    assert signed_in(bob).post(API, LAND, content_type="application/json").status_code == 403

    bad = {**LAND, "parameters": {"year_from": 2019, "year_to": 2009}}
    response = signed_in(olivia).post(API, bad, content_type="application/json")
    assert response.status_code == 400
    assert "must come after" in json.dumps(response.json()["parameters"])
    unknown = signed_in(olivia).post(API, {**LAND, "kind": "x"}, content_type="application/json")
    assert unknown.status_code == 400 and "kind" in unknown.json()
    assert not Analysis.objects.exists()


def test_the_api_answers_429_past_the_running_limit(city, land, olivia, settings):
    settings.ANALYSIS_MAX_RUNNING_PER_USER = 1
    official = signed_in(olivia)
    official.post(API, LAND, content_type="application/json")

    response = official.post(
        API, {**LAND, "kind": "sites-at-risk"}, content_type="application/json"
    )

    assert response.status_code == 429
    assert "already have 1 analyses running" in response.json()["detail"]


def test_a_visitor_reads_only_published_results_through_the_api(city, land, olivia):
    private = finished(olivia, city)
    public = finished(olivia, city, "sites-at-risk", year_from=2009, year_to=2019)
    signed_in(olivia).post(page(public), {"action": "publish"})

    listed = Client().get(API).json()["results"]

    assert [a["id"] for a in listed] == [public.pk]
    assert Client().get(f"{API}{private.pk}/").status_code == 404


def test_published_results_are_ogc_collections_and_unpublished_ones_are_not(city, land, olivia):
    site(city, "in-lost-B", 1150, 150, employees=12)  # on land industrial in 2009 only
    site(city, "kept-A", 150, 150, employees=3)
    land_change = finished(olivia, city)
    at_risk = finished(olivia, city, "sites-at-risk", year_from=2009, year_to=2019)
    risk_layer = f"analysis-{at_risk.pk}-at_risk"
    signed_in(olivia).post(page(land_change), {"action": "publish"})
    visitor = Client()

    listed = {c["id"]: c for c in visitor.get("/ogc/collections").json()["collections"]}
    lost = visitor.get(f"/ogc/collections/analysis-{land_change.pk}-lost/items").json()
    private = visitor.get(f"/ogc/collections/{risk_layer}/items")
    signed_in(olivia).post(page(at_risk), {"action": "publish"})
    sites = visitor.get(f"/ogc/collections/{risk_layer}/items").json()

    assert {f"analysis-{land_change.pk}-lost", f"analysis-{land_change.pk}-gained"} <= set(listed)
    assert "Industrial land lost" in listed[f"analysis-{land_change.pk}-lost"]["title"]
    result_page = visitor.get(page(land_change)).content.decode()
    assert f"/ogc/collections/analysis-{land_change.pk}-lost/items?f=html" in result_page
    assert risk_layer not in listed and private.status_code == 404
    assert lost["numberMatched"] == len(lost["features"]) == 3
    assert {f["properties"]["layer"] for f in lost["features"]} == {"lost"}
    assert {f["properties"]["analysis"] for f in lost["features"]} == {land_change.pk}
    assert lost["licence"] == city.dataset.licence  # computed from the city's data
    assert sites["features"] and all(f["properties"]["name"] for f in sites["features"])
    assert {f["id"] for f in sites["features"]} == set(
        at_risk.sites.filter(layer="at_risk").values_list("site_id", flat=True)
    )
