"""Accounts: sign-up with a verified email, sign-in, reset, change, and brute-force protection."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "ana@example.org",
    "username": "ana",
    "password1": "a-long-pass-phrase-1",
    "password2": "a-long-pass-phrase-1",
}


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_a_new_account_must_confirm_its_email_before_signing_in(client, django_user_model):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert mail.outbox[0].subject.startswith("[Cities of Making]")

    refused = client.post("/accounts/login/", {"login": "ana", "password": SIGNUP["password1"]})
    assert refused.status_code == 302 and "confirm-email" in refused["Location"]

    confirm = _link(mail.outbox[-1])
    client.post(confirm)
    assert django_user_model.objects.get(username="ana").emailaddress_set.get().verified


def test_a_bad_sign_up_is_refused_with_reasons(client, django_user_model):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "different", "email": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html
    assert not django_user_model.objects.filter(username="ana").exists()


def test_a_forgotten_password_is_reset_by_email(client, django_user_model):
    user = django_user_model.objects.create_user("ben", "ben@example.org", "old-pass-phrase-1")
    user.emailaddress_set.create(email="ben@example.org", verified=True, primary=True)
    client.post("/accounts/password/reset/", {"email": "ben@example.org"})
    assert len(mail.outbox) == 1
    reset = client.get(_link(mail.outbox[0]), follow=True)
    form_url = reset.redirect_chain[-1][0] if reset.redirect_chain else _link(mail.outbox[0])
    client.post(form_url, {"password1": "new-pass-phrase-2", "password2": "new-pass-phrase-2"})
    user.refresh_from_db()
    assert user.check_password("new-pass-phrase-2")


def test_repeated_failed_sign_ins_lock_the_account_with_a_clear_message(client, django_user_model):
    user = django_user_model.objects.create_user("cleo", "cleo@example.org", "right-pass-phrase")
    user.emailaddress_set.create(email="cleo@example.org", verified=True, primary=True)
    for _ in range(5):
        client.post("/accounts/login/", {"login": "cleo", "password": "wrong"})
    locked = client.post("/accounts/login/", {"login": "cleo", "password": "right-pass-phrase"})
    assert locked.status_code == 400
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_count_per_account_whether_username_or_email_was_typed(client, django_user_model):
    user = django_user_model.objects.create_user("cleo", "cleo@example.org", "right-pass-phrase")
    user.emailaddress_set.create(email="cleo@example.org", verified=True, primary=True)
    for typed in ["cleo", "CLEO@example.org", "cleo", "cleo@example.org", "Cleo"]:
        client.post("/accounts/login/", {"login": typed, "password": "wrong"})
    for typed in ["cleo@example.org", "cleo"]:
        locked = client.post("/accounts/login/", {"login": typed, "password": "right-pass-phrase"})
        assert locked.status_code == 400
        assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_signs_in_through_the_rate_limited_accounts_pages(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "next=%2Fadmin%2F" in response["Location"]


def test_the_admins_own_sign_in_form_is_never_offered(client, django_user_model):
    """A signed-in account without staff rights used to get Django's admin form, which
    allauth's limits do not cover: 15 wrong guesses at a staff password, then the right
    one, were all accepted."""
    staff = django_user_model.objects.create_user(
        "stella", "stella@example.org", "staff-pass-phrase", is_staff=True
    )
    maker = django_user_model.objects.create_user("milo", "milo@example.org", "maker-pass")
    client.force_login(maker)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    for _ in range(15):
        guess = client.post(
            "/admin/login/?next=/admin/", {"username": "stella", "password": "wrong"}
        )
        assert guess.status_code == 403
    right = client.post(
        "/admin/login/?next=/admin/", {"username": "stella", "password": "staff-pass-phrase"}
    )
    assert right.status_code == 403
    assert client.session["_auth_user_id"] == str(maker.pk)

    client.force_login(staff)
    going = client.get("/admin/login/?next=/admin/cities/")
    assert going.status_code == 302 and going["Location"] == "/admin/cities/"
    away = client.get("/admin/login/?next=https://elsewhere.example/")
    assert away.status_code == 302 and away["Location"] == "/admin/"


def test_changing_email_and_password_needs_a_signed_in_account(client, django_user_model):
    assert client.get("/accounts/password/change/").status_code == 302
    user = django_user_model.objects.create_user("dan", "dan@example.org", "a-pass-phrase-3")
    user.emailaddress_set.create(email="dan@example.org", verified=True, primary=True)
    client.force_login(user)
    assert client.get("/accounts/password/change/").status_code == 200
    assert client.get("/accounts/email/").status_code == 200


def test_a_wrong_password_is_a_400_with_the_form_again(client, django_user_model):
    django_user_model.objects.create_user("eve", "eve@example.org", "right-pass-phrase")
    response = client.post("/accounts/login/", {"login": "eve", "password": "wrong"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
