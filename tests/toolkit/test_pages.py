import pytest

from toolkit.models import Status, Tool, ToolFeedback

pytestmark = pytest.mark.usefixtures("demo")


def test_a_tool_page_shows_the_pattern_its_cases_and_related_tools(client):
    html = client.get("/toolkit/stacked-industrial-buildings/").content.decode()
    for heading in ("Context", "Problem", "Forces", "Solution", "Steps", "Resources"):
        assert f"<h2>{heading}</h2>" in html
    assert "Where it was applied" in html
    assert 'id="mini-map"' in html
    assert "Related tools" in html
    assert "Download as PDF" in html


def test_a_tool_page_is_translated(client):
    html = client.get("/nl/toolkit/stacked-industrial-buildings/").content.decode()
    tool = Tool.objects.get(slug="stacked-industrial-buildings")
    assert tool.title_nl in html


def test_a_draft_tool_is_not_shown_to_the_public(client):
    Tool.objects.filter(slug="reshoring-scan").update(status=Status.DRAFT)
    assert client.get("/toolkit/reshoring-scan/").status_code == 404
    assert "reshoring-scan" not in client.get("/toolkit/?q=reshoring").content.decode()


def test_the_pdf_sheet_is_a_pdf_with_the_tool_in_it(client):
    response = client.get("/toolkit/stacked-industrial-buildings/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000


def test_a_signed_in_person_rates_a_tool_once_and_can_change_it(client, django_user_model):
    user = django_user_model.objects.create_user(username="official", password="s3cret-pass")
    client.force_login(user)
    url = "/toolkit/reshoring-scan/"
    assert client.post(url, {"rating": "4", "comment": "Useful"}).status_code == 302
    assert client.post(url, {"rating": "2", "comment": "Less so"}).status_code == 302
    feedback = ToolFeedback.objects.get(tool__slug="reshoring-scan", user=user)
    assert (feedback.rating, feedback.comment) == (2, "Less so")


def test_a_bad_rating_is_refused_with_a_message_and_changes_nothing(client, django_user_model):
    user = django_user_model.objects.create_user(username="official2", password="s3cret-pass")
    client.force_login(user)
    response = client.post("/toolkit/reshoring-scan/", {"rating": "9"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ToolFeedback.objects.filter(user=user).exists()


def test_signed_out_people_are_asked_to_sign_in_to_rate(client):
    response = client.post("/toolkit/reshoring-scan/", {"rating": "4"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ToolFeedback.objects.exists()


def test_where_do_i_start_recommends_an_ordered_path_with_reasons(client):
    html = client.get(
        "/toolkit/start/?city=brussels&challenge=losing-land&role=public-authority&capacity=medium"
    ).content.decode()
    steps = html.count('class="path__step')
    assert 3 <= steps <= 6
    assert html.count("Why:") == steps


def test_where_do_i_start_explains_a_missing_answer(client):
    response = client.get("/toolkit/start/?challenge=nonsense")
    assert response.status_code == 400
    assert "Please answer every question" in response.content.decode()


def test_case_studies_filter_and_link_to_their_city_map(client):
    html = client.get("/case-studies/?city=london").content.decode()
    assert html.count('class="card"') == 3
    detail = client.get("/case-studies/shared-workshop-under-railway-arches/").content.decode()
    assert "/cities/london/?layers=" in detail
    assert "illustrative composite" in detail


def test_the_plan_shows_each_action_with_its_progress_and_the_events_page_lists_events(client):
    html = client.get("/cities/london/plan/").content.decode()
    assert html.count('role="progressbar"') >= 6
    assert "timeline" in html
    assert client.get("/events/?city=brussels").status_code == 200
    assert client.get("/cities/atlantis/plan/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/case-studies/", "/case-studies/?city=london&sector=25", "/events/", "/cities/london/plan/"],
)
def test_lists_run_a_constant_number_of_queries(client, django_assert_max_num_queries, url):
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200


def test_the_sector_filter_keeps_offering_every_sector(client):
    html = client.get("/case-studies/?sector=25").content.decode()
    assert html.count('<option value="') - html.count('<option value="">') >= 10
