"""Odd input gets a 4xx, drafts stay out of public links, and revert does not publish."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reversion.models import Version

from toolkit.models import Action, CaseStudy, EngagementEvent, Status, Tool
from toolkit.services import content_revert, content_save, content_set_status

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="editor-robust", password="x-pass-123")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/toolkit/?q=%00", "/toolkit/?city=%00", "/case-studies/?tool=%00", "/events/?city=%00",
        "/api/v1/tools/?q=%00", "/api/v1/case-studies/?city=%00", "/api/v1/events/?city=%00",
    ],
)  # fmt: skip
def test_a_nul_byte_in_the_address_is_a_400(client, url):
    assert client.get(url).status_code == 400


def test_an_odd_sector_is_ignored_on_the_case_studies_page(client):
    assert client.get("/case-studies/?sector=%C2%B2").status_code == 200


def test_actions_have_no_status_to_change(staff_client):
    action = Action.objects.first()
    assert (
        staff_client.post(f"/staff/actions/{action.pk}/status/", {"status": "draft"}).status_code
        == 404
    )


def test_a_malformed_feedback_id_is_a_404(staff_client):
    assert (
        staff_client.post("/staff/feedback/", {"feedback": "abc", "hidden": "1"}).status_code == 404
    )


def test_a_truncated_picture_is_refused_not_fatal(staff_client):
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), "blue").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[:400]
    case = CaseStudy.objects.first()
    response = staff_client.post(
        f"/staff/case-studies/{case.pk}/images/",
        {"image": SimpleUploadedFile("cut.jpg", truncated, "image/jpeg"), "alt_text": "Blue"},
    )
    assert response.status_code == 400
    assert not case.images.exists()


def test_the_pdf_survives_markdown_fpdf_cannot_lay_out(client, staff_client):
    tool = Tool.objects.get(slug="reshoring-scan")
    wide = "| " + " | ".join(f"c{i}" for i in range(60)) + " |\n|" + "---|" * 60 + "\n"
    tool.solution = "[x](javascript:alert(1)) and a table:\n\n" + wide
    content_save(obj=tool, user=staff_client.user, comment="odd")
    response = client.get("/toolkit/reshoring-scan/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_draft_tools_stay_out_of_public_links(client, staff_client):
    draft = Tool.objects.get(slug="makers-network")
    content_set_status(obj=draft, status=Status.DRAFT, user=staff_client.user)
    linked_action = Action.objects.filter(tools=draft).select_related("plan__city").first()
    linked_event = EngagementEvent.objects.filter(tools=draft).first()
    if linked_action:
        assert (
            draft.title_en
            not in client.get(f"/cities/{linked_action.plan.city.slug}/plan/").content.decode()
        )
        plan = client.get(f"/api/v1/plans/{linked_action.plan.city.slug}/").json()
        assert "makers-network" not in str(plan)
    if linked_event:
        assert draft.title_en not in client.get("/events/").content.decode()
    for tool in Tool.objects.filter(related=draft, status=Status.PUBLISHED)[:2]:
        assert "makers-network" not in client.get(f"/api/v1/tools/{tool.slug}/").json()["related"]
    assert "makers-network" not in str(client.get("/api/v1/case-studies/").json())


def test_reverting_brings_back_content_but_never_publishes(staff_client):
    tool = Tool.objects.get(slug="reshoring-scan")
    published = Version.objects.get_for_object(tool).first()
    content_set_status(obj=tool, status=Status.DRAFT, user=staff_client.user)
    content_revert(obj=tool, version=published, user=staff_client.user)
    tool.refresh_from_db()
    assert tool.status == Status.DRAFT
