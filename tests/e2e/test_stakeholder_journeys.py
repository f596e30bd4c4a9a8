"""More journeys of the maker directory: a registration sent back for changes, a maker who
downloads their data and leaves, an official invited by their office, and partners found."""

import json
import re
import uuid

from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_maker_journeys import PASSWORD, continue_, sign_up


def viewport_of(page) -> str:
    return "phone" if page.viewport_size["width"] < 768 else "desktop"


def register_with_coordinates(page, site, workshop: str) -> None:
    """The registration, typing the coordinates instead of using the map."""
    page.goto(site + "/makers/register/")
    page.get_by_label("Name", exact=True).fill(workshop)
    page.get_by_label("Description").fill("Upholstery and repairs.")
    page.get_by_label("City").select_option(label="Brussels-Capital Region")
    continue_(page)
    page.get_by_label("Address").fill("3 Rue du Chimiste")
    page.get_by_label("Latitude").fill("50.8500")
    page.get_by_label("Longitude").fill("4.3400")
    continue_(page)
    page.get_by_label("Upholstery").check()
    for _ in range(4):  # what you make, space, contact, photos
        continue_(page)
    page.get_by_label("The details are accurate").check()
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".workspace-status", has_text=workshop)).to_contain_text(
        "Waiting for review"
    )


def test_a_registration_sent_back_for_changes_returns_to_the_queue(site, page):
    run = uuid.uuid4().hex[:6]
    workshop = f"Senne Upholstery {viewport_of(page)} {run}"
    sign_up(page, site, f"upholsterer-{run}")
    register_with_coordinates(page, site, workshop)
    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()

    sign_in(page, site, "edith", "/staff/workspaces/?kind=new")
    page.get_by_role("link", name=workshop).click()
    page.get_by_label("Ask for changes").check()
    page.get_by_label("Reason (sent to the maker)").fill("Please add what you repair.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".notice--success")).to_contain_text("Decision saved")
    # The email goes through Celery (tests/stakeholders/test_celery_emails.py); here, the page.
    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()

    sign_in(page, site, f"upholsterer-{run}", "/dashboard/", password=PASSWORD)
    card = page.locator(".workspace-status", has_text=workshop)
    expect(card.locator(".status").first).to_have_text("Changes requested")
    expect(card.locator(".reason")).to_contain_text("Please add what you repair.")
    page.shoot("dashboard-changes-requested")
    card.get_by_role("link", name=re.compile("^Edit")).click()
    page.get_by_label("Description").fill("Upholstery of chairs and sofas; we repair frames.")
    page.shoot("edit")
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto(site + "/dashboard/")
    card = page.locator(".workspace-status", has_text=workshop)
    expect(card.locator(".status").first).to_have_text("Waiting for review")
    card.get_by_text("History").click()
    expect(card.locator(".history")).to_contain_text("Changes requested")
    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()

    # Back in the queue; this time the moderator rejects it, with a reason.
    sign_in(page, site, "edith", "/staff/workspaces/?kind=new")
    page.get_by_role("link", name=workshop).click()
    page.get_by_label("Reject").check()
    page.get_by_label("Reason (sent to the maker)").fill("This is a shop, not a workshop.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".notice--success")).to_contain_text("Decision saved")
    expect(page.locator(".data-table")).not_to_contain_text(workshop)
    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()

    sign_in(page, site, f"upholsterer-{run}", "/dashboard/", password=PASSWORD)
    card = page.locator(".workspace-status", has_text=workshop)
    expect(card.locator(".status").first).to_have_text("Not accepted")
    expect(card.locator(".reason")).to_contain_text("This is a shop, not a workshop.")
    page.goto(f"{site}/makers/?q={run}")
    expect(page.locator(".workspace-list")).not_to_contain_text(workshop)


def test_a_maker_downloads_their_data_then_deletes_the_account(site, page):
    run = uuid.uuid4().hex[:6]
    name = f"leaver-{run}"
    workshop = f"Leaving Works {viewport_of(page)} {run}"
    sign_up(page, site, name)
    register_with_coordinates(page, site, workshop)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download all your data (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["username"] == name
    assert [w["name"] for w in data["workspaces"]] == [workshop]
    page.get_by_role("link", name="Privacy: what we store and why").click()
    expect(page.locator("h1")).to_have_text("Privacy: what we store and why")
    page.shoot("privacy")
    page.go_back()

    page.get_by_role("link", name="Delete your account").click()
    expect(page.locator(".notice--danger")).to_contain_text("Your workspace will be deleted.")
    page.get_by_label("Your password").fill("not my password")
    page.console.expect("status of 400")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".field-error")).to_contain_text("That is not your password.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.shoot("delete-account")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".notice--success")).to_contain_text("Your account and your workspaces")
    expect(page.locator(".account-link")).to_contain_text("Sign in")
    page.goto(f"{site}/makers/?q={run}")
    expect(page.locator(".workspace-list")).not_to_contain_text(workshop)


def test_an_office_admin_invites_an_official_who_joins_and_follows_the_city(site, page):
    run = uuid.uuid4().hex[:6]
    email = f"official-{run}@example.org"
    sign_in(page, site, "otto", "/organisations/")
    page.get_by_role("link", name=re.compile("economic development office")).click()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".notice--success")).to_contain_text(f"Invitation sent to {email}")
    page.shoot("organisation-invite")
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()

    sign_up(page, site, f"official-{run}")  # with the invited address
    page.goto(site + link)
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.locator(".notice--success")).to_contain_text("You joined")
    page.goto(site + "/dashboard/")
    page.get_by_role("link", name=re.compile("Your city’s makers")).click()
    expect(page.locator("h1")).to_have_text("Makers in Brussels")
    expect(page.locator(".data-table")).to_contain_text("Workspaces")
    page.shoot("city-dashboard")


def test_a_profile_suggests_partners_nearby_with_reasons(site, page):
    page.goto(f"{site}/makers/?city=brussels&process=woodworking")
    page.locator(".workspace-list > li h3 a").first.click()
    matches = page.locator(".match-list")
    expect(matches.locator(".reasons").first).to_contain_text(
        re.compile("Offers|Uses|Complementary")
    )
    page.shoot("profile-matches")
    name = matches.locator("> li > a").first.inner_text()
    matches.locator("> li > a").first.click()
    expect(page.locator("h1")).to_have_text(name)


def test_a_visitor_combines_filters_and_the_map_follows(site, page):
    page.goto(site + "/makers/")
    summary = page.locator("details.facets > summary")
    if summary.is_visible() and not page.get_by_label("Process").is_visible():
        summary.click()  # folded on a phone
    page.get_by_label("City").select_option(label="Brussels-Capital Region")
    page.get_by_label("Process").select_option(label="Welding")
    page.get_by_label("Open to collaboration").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "process=welding" in page.url and "collaboration=on" in page.url
    cards = page.locator(".workspace-list > li")
    expect(cards.first).to_be_visible()
    for i in range(cards.count()):
        expect(cards.nth(i).locator(".tags")).to_contain_text("Welding")
        expect(cards.nth(i).locator(".workspace-card__flags")).to_contain_text(
            "Open to collaboration"
        )
    listed = int(re.search(r"\d+", page.locator(".results__count").inner_text()).group())
    directory_map = page.locator("#makers-map")
    expect(directory_map).to_have_attribute("data-workspaces", str(listed))
    page.shoot("directory-filtered")
