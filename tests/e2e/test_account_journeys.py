"""A maker signs up, confirms the email, signs out and in again."""

import re

from django.core import mail
from playwright.sync_api import expect


def test_a_maker_signs_up_confirms_the_email_and_signs_in(site, page, request):
    name = f"maker{abs(hash(request.node.name)) % 100000}"
    page.goto(site + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name=re.compile("sign up", re.I)).click()
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=False).first.fill("a-long-pass-phrase-9")
    page.get_by_label(re.compile("Password \\(again\\)", re.I)).fill("a-long-pass-phrase-9")
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page.locator("h1")).to_contain_text("Verify Your Email Address")
    page.shoot("verify")

    message = next(m for m in reversed(mail.outbox) if f"{name}@example.org" in m.to)
    link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
    page.goto(site + link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".account-link")).to_contain_text(name)

    page.locator(".account-link").get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    expect(page.locator(".account-link")).to_contain_text("Sign in")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email or username").fill(f"{name}@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase-9")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator(".account-link")).to_contain_text(name)
