"""A maker registers a workspace; staff approve it; it is found in the directory, on its map
and near a point; another maker cannot edit it."""

import re
import uuid

from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PASSWORD = "a-long-pass-phrase-9"


def sign_up(page, site, name: str) -> None:
    page.goto(site + "/accounts/signup/")
    page.get_by_label("Email").fill(f"{name}@example.org")  # official-x: the invited address
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page.locator("h1")).to_contain_text("Verify Your Email Address")
    message = next(m for m in reversed(mail.outbox) if f"{name}@example.org" in m.to)
    page.goto(site + re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".account-link")).to_contain_text(name)


def continue_(page) -> None:
    page.get_by_role("button", name="Continue").click()


def workshop_photo(folder):
    from PIL import Image

    path = folder / "workshop.jpg"
    Image.new("RGB", (320, 240), (11, 110, 79)).save(path, format="JPEG")
    return path


def test_a_maker_registers_staff_approve_and_the_workspace_is_found(site, page, tmp_path):
    viewport = "phone" if page.viewport_size["width"] < 768 else "desktop"
    run = uuid.uuid4().hex[:6]  # the live database outlives a run with --reuse-db
    name = f"maker-{viewport}-{run}"
    workshop = f"Kanaal Welding Works {viewport} {run}"
    sign_up(page, site, name)

    # The directory invites makers to register; the form comes in steps.
    page.goto(site + "/makers/")
    page.get_by_role("link", name="Register your workspace").first.click()
    expect(page.locator(".steps [aria-current=step]")).to_have_text("About")
    page.get_by_label("Name", exact=True).fill(workshop)
    page.get_by_label("Description").fill("Steel frames and gates, welded to order.")
    page.get_by_label("City").select_option(label="Brussels-Capital Region")
    page.shoot("register-about")
    continue_(page)

    # The pin is placed by clicking the map; the coordinates follow.
    expect(page.locator(".steps [aria-current=step]")).to_have_text("Place")
    page.get_by_label("Address").fill("12 Quai de Mariemont, Molenbeek")
    pin_map = page.locator(".map--pin")
    pin_map.scroll_into_view_if_needed()
    if viewport == "desktop":
        pin_map.click()
    else:  # the way without a pointer: move the map, then place the pin at its centre
        pin_map.focus()
        page.keyboard.press("ArrowRight")
        page.get_by_role("button", name="Put the pin at the map’s centre").click()
    expect(page.locator("[data-pin-status]")).to_contain_text("Pin placed")
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    lat = float(page.get_by_label("Latitude").input_value())
    lon = float(page.get_by_label("Longitude").input_value())
    assert 50.6 < lat < 51.1 and 4.0 < lon < 4.7
    page.shoot("register-place")
    continue_(page)

    expect(page.locator(".steps [aria-current=step]")).to_have_text("What you make")
    page.get_by_label("Welding").check()
    page.get_by_label("Metals").first.check()
    continue_(page)
    page.get_by_label("Floor area (m²)").fill("180")
    page.get_by_label("Open to collaboration").check()
    continue_(page)
    page.get_by_label("Contact email").fill(f"{name}@example.org")
    continue_(page)
    # A photo, described for people who cannot see it.
    page.locator("input[type=file]").first.set_input_files(str(workshop_photo(tmp_path)))
    page.get_by_label("What the photo shows").first.fill("Two welders at a bench")
    page.shoot("register-photos")
    continue_(page)
    expect(page.locator(".review-list")).to_contain_text(workshop)
    page.get_by_label("The details are accurate").check()
    page.shoot("register-review")
    page.get_by_role("button", name="Send for review").click()

    expect(page.locator(".notice--success")).to_contain_text("waiting for a moderator")
    card = page.locator(".workspace-status", has_text=workshop)
    expect(card.locator(".status")).to_contain_text("Waiting for review")
    page.shoot("dashboard-pending")
    slug = (
        card.get_by_role("link", name=workshop, exact=True)
        .get_attribute("href")
        .strip("/")
        .split("/")[-1]
    )

    # Nobody else sees it yet.
    page.context.clear_cookies()
    page.console.expect("status of 404")
    page.goto(f"{site}/makers/{slug}/")
    expect(page.locator("h1")).to_have_text("Page not found")

    # A moderator approves it from the queue.
    sign_in(page, site, "edith", "/staff/workspaces/")
    page.shoot("moderation-queue")
    page.get_by_role("link", name=workshop).click()
    page.get_by_label("Approve").check()
    page.shoot("moderation-review")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".notice--success")).to_contain_text("Decision saved")

    # Anyone finds it: by name, on the map, and near its pin.
    page.context.clear_cookies()
    page.goto(f"{site}/makers/")
    page.get_by_label("Search workspaces").fill(workshop)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".workspace-list")).to_contain_text(workshop)
    page.goto(f"{site}/makers/?near={lat:.5f},{lon:.5f}&km=1&process=welding")
    found = page.locator(".workspace-list > li", has_text=workshop)
    expect(found).to_contain_text("m away")
    expect(page.locator("#makers-map")).to_have_attribute("data-workspaces", re.compile("[1-9]"))
    page.shoot("directory-near")
    found.get_by_role("link", name=workshop).click()
    expect(page.locator("h1")).to_have_text(workshop)
    expect(page.locator(".profile-facts").first).to_contain_text("Welding")
    photo = page.get_by_role("img", name="Two welders at a bench")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 320
    page.shoot("profile")

    # Another maker cannot edit it.
    page.console.expect("status of 403")
    sign_in(page, site, "mo", f"/makers/{slug}/edit/")
    expect(page.locator("h1")).to_have_text("Not allowed")


def test_the_directory_map_groups_workspaces_and_opens_a_profile(site, page):
    page.goto(f"{site}/makers/?city=brussels")
    directory_map = page.locator("#makers-map")
    expect(directory_map).to_have_attribute("data-markers", re.compile("[1-9]"))
    markers = int(directory_map.get_attribute("data-markers"))
    shown = int(directory_map.get_attribute("data-workspaces"))
    assert shown >= markers  # some markers stand for several workspaces
    page.shoot("directory-map")
    page.locator(".cluster-marker").first.click()
    expect(directory_map).not_to_have_attribute("data-markers", str(markers))


def test_a_maker_confirms_closes_and_reopens_a_listing_from_the_dashboard(site, page):
    viewport = "phone" if page.viewport_size["width"] < 768 else "desktop"
    from stakeholders.models import Workspace

    workspace = Workspace.objects.filter(owner__username="mo").order_by("pk")[
        0 if viewport == "desktop" else 1
    ]
    sign_in(page, site, "mo", "/dashboard/")
    card = page.locator(".workspace-status", has_text=workspace.name)
    card.get_by_role("button", name="Still accurate").click()
    expect(page.locator(".notice--success")).to_contain_text("confirmed as current")
    page.locator(".workspace-status", has_text=workspace.name).get_by_role(
        "button", name="Mark closed"
    ).click()
    expect(page.locator(".notice--success")).to_contain_text("marked closed")
    page.shoot("dashboard-closed")
    page.locator(".workspace-status", has_text=workspace.name).get_by_role(
        "button", name="Reopen"
    ).click()
    expect(page.locator(".notice--success")).to_contain_text("open again")
