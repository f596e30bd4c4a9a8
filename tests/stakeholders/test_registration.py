"""The registration wizard and the edit page, as a browser would post them."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cities.models import MaterialCategory
from stakeholders.models import Process, Workspace

pytestmark = pytest.mark.django_db

URL = "/makers/register/"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (50.0, 51.0, 0.0)}  # GPS latitude
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def step(client, name, data, files=None):
    payload = {"register_workspace-current_step": name}
    payload.update({f"{name}-{k}" if not k.startswith(("photos-", "review-")) else k: v
                    for k, v in data.items()})  # fmt: skip
    return client.post(URL, {**payload, **(files or {})})


def register(client, city, *, lat="45.05", lon="10.05", photo=None):
    wood = MaterialCategory.objects.get(code="wood").pk
    steps = [
        ("about", {"name": "Quay Joinery", "description": "Oak tables.", "city": city.pk}),
        ("place", {"address": "4 Quay", "location_lat": lat, "location_lon": lon}),
        ("work", {"processes": [Process.objects.get(code="woodworking").pk],
                  "materials_offered": [wood], "production_runs": ["one_off"]}),
        ("space", {"floor_area_m2": "120", "tenure": "rent", "looking_for_space": "on"}),
        ("contact", {"email": "quay@example.org", "contact_public": "on"}),
    ]  # fmt: skip
    responses = [step(client, name, data) for name, data in steps]
    files = {}
    photos = {"photos-TOTAL_FORMS": "3", "photos-INITIAL_FORMS": "0"}
    if photo is not None:
        files["photos-0-image"] = SimpleUploadedFile("me.jpg", photo, "image/jpeg")
        photos["photos-0-alt_text"] = "The bench with clamps"
    responses.append(step(client, "photos", photos, files))
    responses.append(step(client, "review", {"review-accurate": "on"}))
    return responses


def test_signed_out_visitors_are_asked_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_maker_registers_a_workspace_in_steps_and_it_waits_for_review(client, alice, city):
    client.force_login(alice)
    *_steps, done = register(client, city, photo=jpeg_with_gps())
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    workspace = Workspace.objects.get(name="Quay Joinery")
    assert workspace.owner == alice
    assert workspace.status == "pending"
    assert workspace.location.y == pytest.approx(45.05)
    assert workspace.floor_area_m2 == 120
    assert workspace.looking_for_space and workspace.contact_public
    assert [m.code for m in workspace.materials_offered.all()] == ["wood"]
    photo = workspace.photos.get()
    assert photo.alt_text == "The bench with clamps"
    assert not photo.approved
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()  # camera and GPS data removed

    dashboard = client.get("/dashboard/").content.decode()
    assert "Quay Joinery" in dashboard and "Waiting for review" in dashboard


def test_a_pin_outside_the_city_is_refused_at_its_step(client, alice, city):
    client.force_login(alice)
    step(client, "about", {"name": "Far away", "description": "x", "city": city.pk})
    response = step(client, "place", {"address": "x", "location_lat": "50.85",
                                      "location_lon": "4.35"})  # fmt: skip
    assert response.status_code == 400
    assert "far outside the city" in response.content.decode()
    assert not Workspace.objects.filter(name="Far away").exists()


@pytest.mark.parametrize("lat, lon", [("", ""), ("abc", "4"), ("nan", "10"), ("95", "10")])
def test_missing_or_bad_coordinates_are_explained(client, alice, city, lat, lon):
    client.force_login(alice)
    step(client, "about", {"name": "Nowhere", "description": "x", "city": city.pk})
    response = step(client, "place", {"address": "x", "location_lat": lat, "location_lon": lon})
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html


def test_a_photo_without_a_description_or_not_a_picture_is_refused(client, alice, city):
    client.force_login(alice)
    register(client, city)  # walk to the photos step
    step(client, "about", {"name": "Quay Joinery", "description": "Oak.", "city": city.pk})
    bad = step(
        client,
        "photos",
        {"photos-TOTAL_FORMS": "3", "photos-INITIAL_FORMS": "0"},
        {"photos-0-image": SimpleUploadedFile("x.jpg", b"not a picture", "image/jpeg")},
    )
    assert bad.status_code == 400
    assert "field-error" in bad.content.decode()


def test_the_edit_page_adds_a_photo_that_waits_on_a_published_workspace(client, alice, workspace):
    client.force_login(alice)
    page = client.get(f"/makers/{workspace.slug}/edit/")
    assert page.status_code == 200
    form = {"name": workspace.name, "description": "New words.", "city": workspace.city_id,
            "address": workspace.address, "location_lat": f"{workspace.location.y}",
            "location_lon": f"{workspace.location.x}", "employees": "4",
            "email": workspace.email, "phone": workspace.phone,
            "photos-TOTAL_FORMS": "1", "photos-INITIAL_FORMS": "0",
            "photos-0-alt_text": "Lathe", "photos-0-image": SimpleUploadedFile(
                "l.jpg", jpeg_with_gps(), "image/jpeg")}  # fmt: skip
    response = client.post(f"/makers/{workspace.slug}/edit/", form)
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.employees == 4
    assert workspace.description == "Turning and milling."  # waits for a moderator
    assert workspace.changes.get().changes == {"description": "New words."}
    assert not workspace.photos.get().approved
    public = client.get(f"/makers/{workspace.slug}/")
    assert "Waiting for a moderator" in public.content.decode()  # the owner sees it


def test_a_bad_edit_is_a_400_with_reasons_and_writes_nothing(client, alice, workspace):
    client.force_login(alice)
    response = client.post(
        f"/makers/{workspace.slug}/edit/",
        {"name": "", "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 400
    workspace.refresh_from_db()
    assert workspace.name == "Alice's lathe shop"


def test_the_wizard_keeps_only_the_photo_steps_images_and_never_in_public_media(
    client, alice, city, settings
):
    from pathlib import Path

    client.force_login(alice)
    evil = SimpleUploadedFile("pwn.html", b"<script>alert(1)</script>", "text/html")
    about = {"name": "Quay Joinery", "description": "Oak.", "city": city.pk}
    step(client, "about", about, {"evil": evil})
    step(
        client,
        "photos",
        {"photos-TOTAL_FORMS": "3", "photos-INITIAL_FORMS": "0", "photos-0-alt_text": "Bench"},
        {
            "photos-0-image": SimpleUploadedFile("me.jpg", jpeg_with_gps(), "image/jpeg"),
            "other": SimpleUploadedFile("pwn.js", b"alert(1)", "text/javascript"),
        },
    )
    stored = [p.name for p in Path(settings.PRIVATE_UPLOAD_ROOT).rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].endswith(".jpg")
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_abandoned_registrations_lose_their_photos_after_a_day(settings):
    import os
    import time
    from pathlib import Path

    from stakeholders.uploads import registration_uploads_purge

    root = Path(settings.PRIVATE_UPLOAD_ROOT) / "registrations"
    root.mkdir(parents=True)
    old, new = root / "old.jpg", root / "new.jpg"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert registration_uploads_purge() == 1
    assert not old.exists() and new.exists()


def test_workspace_photos_are_not_in_public_media(client, alice, workspace, settings):
    from pathlib import Path

    client.force_login(alice)
    form = {"name": workspace.name, "description": workspace.description,
            "city": workspace.city_id, "address": workspace.address,
            "location_lat": f"{workspace.location.y}", "location_lon": f"{workspace.location.x}",
            "email": workspace.email, "phone": workspace.phone,
            "photos-TOTAL_FORMS": "1", "photos-INITIAL_FORMS": "0", "photos-0-alt_text": "Lathe",
            "photos-0-image": SimpleUploadedFile("l.jpg", jpeg_with_gps(), "image/jpeg"),
    }  # fmt: skip
    assert client.post(f"/makers/{workspace.slug}/edit/", form).status_code == 302
    photo = workspace.photos.get()
    assert Path(photo.image.path).is_relative_to(Path(settings.PRIVATE_UPLOAD_ROOT))
    assert not Path(settings.MEDIA_ROOT).exists() or not any(
        p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*")
    )
