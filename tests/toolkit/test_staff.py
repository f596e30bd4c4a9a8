"""The staff area: who gets in, and what editing, publishing, history and revert do."""

import io
import re
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reversion.models import Version

from toolkit.models import CaseStudy, Status, Tool

pytestmark = pytest.mark.usefixtures("demo")

NEW_TOOL = {
    "title_en": "Count the makers on a street",
    "summary_en": "Walk a street and list every workshop.",
    "dimension": "technology-resources",
    "effort_level": "low",
    "steps": "1. Walk\n2. Count",
}


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(username="editor-unit", password="s3cret-pass")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


@pytest.fixture
def staff_client(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize("url", ["/staff/", "/staff/tools/new/", "/staff/feedback/"])
def test_signed_out_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ["/staff/", "/staff/tools/new/", "/staff/feedback/"])
def test_a_maker_gets_a_403_and_never_the_editor(client, django_user_model, url):
    client.force_login(
        django_user_model.objects.create_user(username="maker", password="x-pass-123")
    )
    response = client.get(url)
    assert response.status_code == 403
    assert "markdown-input" not in response.content.decode()


def test_a_maker_cannot_publish_or_change_a_tool(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user(username="maker2", password="x-pass-123")
    )
    tool = Tool.objects.get(slug="reshoring-scan")
    assert client.post(f"/staff/tools/{tool.pk}/status/", {"status": "draft"}).status_code == 403
    assert client.post(f"/staff/tools/{tool.pk}/", {**NEW_TOOL}).status_code == 403
    tool.refresh_from_db()
    assert tool.status == Status.PUBLISHED and tool.title_en != NEW_TOOL["title_en"]


def test_an_editor_drafts_a_tool_that_stays_hidden_until_published(staff_client, client):
    response = staff_client.post("/staff/tools/new/", NEW_TOOL)
    assert response.status_code == 302
    tool = Tool.objects.get(slug="count-the-makers-on-a-street")
    assert tool.status == Status.DRAFT
    assert staff_client.get(f"/staff/tools/{tool.pk}/preview/").status_code == 200
    assert client.get("/toolkit/count-the-makers-on-a-street/").status_code == 404

    staff_client.post(f"/staff/tools/{tool.pk}/status/", {"status": "review"})
    staff_client.post(f"/staff/tools/{tool.pk}/status/", {"status": "published"})
    tool.refresh_from_db()
    assert tool.status == Status.PUBLISHED and tool.published_at
    assert staff_client.get("/toolkit/count-the-makers-on-a-street/").status_code == 200


def test_a_draft_cannot_jump_straight_to_published(staff_client):
    staff_client.post("/staff/tools/new/", NEW_TOOL)
    tool = Tool.objects.get(slug="count-the-makers-on-a-street")
    staff_client.post(f"/staff/tools/{tool.pk}/status/", {"status": "published"})
    tool.refresh_from_db()
    assert tool.status == Status.DRAFT


def test_a_tool_without_a_title_is_refused_with_a_message(staff_client):
    response = staff_client.post("/staff/tools/new/", {**NEW_TOOL, "title_en": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Tool.objects.filter(summary_en=NEW_TOOL["summary_en"]).exists()


def test_every_edit_is_a_version_with_who_a_diff_and_a_revert(staff_client, editor):
    staff_client.post("/staff/tools/new/", NEW_TOOL)
    tool = Tool.objects.get(slug="count-the-makers-on-a-street")
    staff_client.post(
        f"/staff/tools/{tool.pk}/",
        {**NEW_TOOL, "title_en": "Count the makers on every street", "change_note": "Wider"},
    )
    versions = list(Version.objects.get_for_object(tool))
    assert [v.revision.comment for v in versions] == ["Wider", "Created"]
    assert versions[0].revision.user == editor

    diff = staff_client.get(
        f"/staff/tools/{tool.pk}/diff/?from={versions[1].pk}&to={versions[0].pk}"
    ).content.decode()
    assert "<del>a</del>" in diff and "<ins>every</ins>" in diff

    staff_client.post(f"/staff/tools/{tool.pk}/revert/{versions[1].pk}/")
    tool.refresh_from_db()
    assert tool.title_en == NEW_TOOL["title_en"]
    assert Version.objects.get_for_object(tool).count() == 3


def test_a_diff_of_unknown_versions_is_a_400(staff_client):
    tool = Tool.objects.get(slug="reshoring-scan")
    assert staff_client.get(f"/staff/tools/{tool.pk}/diff/?from=x&to=0").status_code == 400


def test_markdown_is_previewed_and_sanitised(staff_client):
    html = staff_client.post(
        "/staff/markdown-preview/",
        {"text": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"},
    ).json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_needs_a_text_alternative_and_a_real_picture(staff_client):
    case = CaseStudy.objects.first()
    url = f"/staff/case-studies/{case.pk}/images/"
    no_alt = staff_client.post(url, {"image": SimpleUploadedFile("a.png", _png(), "image/png")})
    assert no_alt.status_code == 400
    fake = staff_client.post(
        url, {"image": SimpleUploadedFile("a.png", b"not a picture", "image/png"), "alt_text": "x"}
    )
    assert fake.status_code == 400
    assert not case.images.exists()
    ok = staff_client.post(
        url, {"image": SimpleUploadedFile("a.png", _png(), "image/png"), "alt_text": "A red square"}
    )
    assert ok.status_code == 302
    assert case.images.get().alt_text == "A red square"


def test_staff_hide_an_abusive_comment(staff_client, django_user_model):
    from toolkit.models import ToolFeedback

    rude = ToolFeedback.objects.create(
        tool=Tool.objects.get(slug="reshoring-scan"),
        user=django_user_model.objects.create(username="troll"),
        rating=1,
        comment="Rude words",
    )
    staff_client.post("/staff/feedback/", {"feedback": rude.pk, "hidden": "1"})
    rude.refresh_from_db()
    assert rude.hidden
    assert "Rude words" not in staff_client.get("/toolkit/reshoring-scan/").content.decode()


def test_the_dashboard_lists_every_kind_of_content(staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        html = staff_client.get("/staff/").content.decode()
    for heading in (
        "Tools",
        "Case studies",
        "Implementation plans",
        "Plan actions",
        "Engagement events",
    ):
        assert heading in html


@pytest.mark.parametrize("kind", ["plans", "actions", "events", "case-studies"])
def test_every_kind_of_content_can_be_previewed(staff_client, kind):
    from toolkit.staff import KINDS

    obj = KINDS[kind].model.objects.first()
    response = staff_client.get(f"/staff/{kind}/{obj.pk}/preview/")
    assert response.status_code == 200
    assert "preview-banner" in response.content.decode()


def test_a_resource_file_must_be_what_its_name_says(staff_client):
    tool = Tool.objects.get(slug="reshoring-scan")
    url = f"/staff/tools/{tool.pk}/files/"
    fake = staff_client.post(
        url, {"title": "Guide", "file": SimpleUploadedFile("guide.pdf", b"MZ\x90 not a pdf")}
    )
    assert fake.status_code == 400
    assert "does not match its name" in fake.content.decode()
    script = staff_client.post(url, {"title": "x", "file": SimpleUploadedFile("run.exe", b"MZ")})
    assert script.status_code == 400
    assert not tool.files.exists()
    ok = staff_client.post(
        url, {"title": "Guide", "file": SimpleUploadedFile("Guide 2024.pdf", b"%PDF-1.4 ...")}
    )
    assert ok.status_code == 302
    assert tool.files.get().file.name.endswith("guide-2024.pdf")


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _damaged(packed: bytes) -> bytes:
    """The first member's compressed bytes flipped: its directory reads, its data does not."""
    data = bytearray(packed)
    start = 30 + int.from_bytes(data[26:28], "little")  # past the first local header
    for i in range(start, start + 6):
        data[i] ^= 0xFF
    return bytes(data)


ODT = b"application/vnd.oasis.opendocument.text"
DOCX = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" * 50}


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        # A zip bomb renamed .docx: 150 MB of zeros packed into a few hundred kB. (Made
        # when the test runs, not when it is collected.)
        ("report.docx", lambda: _zip({**DOCX, "word/media/x.bin": bytes(150 * 1024 * 1024)}),
         "far more than its size"),
        ("report.docx", lambda: _zip({"readme.txt": b"not a document"}), "does not match its name"),
        ("report.docx", lambda: _zip({**DOCX, "../../etc/cron.d/x": b"x"}),
         "does not match its name"),
        ("report.docx", lambda: _zip({**DOCX, **{f"p/{n}.xml": b"x" for n in range(2001)}}),
         "too many parts"),
        ("sheet.ods", lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.text"}),
         "does not match its name"),
        ("report.docx", lambda: b"PK\x03\x04 but not a zip at all", "does not match its name"),
        ("plan.odt", lambda: _damaged(_zip({"mimetype": ODT})), "does not match its name"),
        # UTF-8 for 4 kB, then Latin-1: the whole file is read, not its first 2 kB.
        ("notes.txt", lambda: b"a" * 4096 + "café".encode("latin-1"), "not in UTF-8"),
    ],
)  # fmt: skip
def test_a_zip_based_or_text_file_is_checked_whole(staff_client, name, make, message):
    tool = Tool.objects.get(slug="reshoring-scan")
    response = staff_client.post(
        f"/staff/tools/{tool.pk}/files/",
        {"title": "Guide", "file": SimpleUploadedFile(name, make())},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not tool.files.exists()


def test_a_real_document_is_kept_under_a_name_nobody_can_guess(staff_client):
    tool = Tool.objects.get(slug="reshoring-scan")
    for name, content in [
        ("Plan 2026.docx", _zip(DOCX)),
        ("plan.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                           "content.xml": b"<office:document-content/>"},
                          zipfile.ZIP_STORED)),
        ("notes.txt", "é".encode() * 3000),
    ]:  # fmt: skip
        response = staff_client.post(
            f"/staff/tools/{tool.pk}/files/",
            {"title": name, "file": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    names = sorted(f.file.name for f in tool.files.all())
    assert len(names) == 3
    for stored in names:
        # toolkit/files/<year>/<22 random URL-safe characters>/<name>
        folder = stored.split("/")[3]
        assert len(folder) >= 22 and re.fullmatch(r"[-_A-Za-z0-9]+", folder)
    assert {n.rsplit("/", 1)[1] for n in names} == {"plan-2026.docx", "plan.odt", "notes.txt"}
