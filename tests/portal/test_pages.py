import pytest


@pytest.mark.parametrize(
    ("path", "lang", "heading"),
    [
        ("/", "en", "Keep and grow manufacturing in your city"),
        ("/fr/", "fr", "Maintenir et développer l'industrie dans votre ville"),
        ("/nl/", "nl", "Houd de maakindustrie in uw stad en laat haar groeien"),
    ],
)
def test_the_home_page_speaks_the_language_of_its_address(client, demo, path, lang, heading):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert heading in html


def test_the_home_page_leads_to_the_dimensions_the_cities_and_the_makers(client, demo):
    html = client.get("/").content.decode()
    for href in (
        "/toolkit/#technology-resources",
        "/toolkit/#space",
        "/toolkit/#transitions",
        "/cities/brussels/",
        "/cities/london/",
        "/cities/rotterdam-the-hague/",
        "/makers/",
    ):
        assert f'href="{href}"' in html, href


def test_the_language_switcher_links_to_the_same_page_in_each_language(client, demo):
    html = client.get("/fr/cities/london/").content.decode()
    assert 'href="/cities/london/" hreflang="en"' in html
    assert 'href="/nl/cities/london/" hreflang="nl"' in html
    assert 'href="/fr/cities/london/" hreflang="fr" lang="fr" aria-current="true"' in html


def test_every_page_has_a_skip_link_and_the_main_navigation(client, demo):
    for path in ("/", "/toolkit/", "/cities/", "/cities/brussels/", "/makers/"):
        html = client.get(path).content.decode()
        assert '<a class="skip-link" href="#main">' in html, path
        assert '<main id="main"' in html, path
        for label in ("Toolkit", "Cities", "Makers", "API"):
            assert f">{label}</a>" in html, (path, label)


def test_city_names_follow_the_language(client, demo):
    assert "Région de Bruxelles-Capitale" in client.get("/fr/cities/").content.decode()
    assert "Brussels Hoofdstedelijk Gewest" in client.get("/nl/cities/").content.decode()


def test_an_unknown_page_is_a_404(client, db):
    assert client.get("/cities/atlantis/").status_code == 404
    assert client.get("/fr/nowhere/").status_code == 404


def test_pages_refuse_unsafe_methods(client, demo):
    assert client.post("/cities/brussels/").status_code == 405


def test_pages_send_a_content_security_policy(client, demo):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_a_missing_page_is_explained_in_the_visitors_language(client, db):
    response = client.get("/nl/cities/atlantis/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


@pytest.mark.django_db
def test_staff_can_open_every_admin_list(admin_client, demo):
    for model in ("dataset", "city", "district", "sector", "job"):
        assert admin_client.get(f"/admin/cities/{model}/").status_code == 200, model
    assert admin_client.get("/admin/stakeholders/user/").status_code == 200


@pytest.mark.django_db
def test_staff_can_open_a_city_and_a_district_in_the_admin(admin_client, demo):
    from cities.models import City, District

    city = City.objects.get(slug="london")
    district = District.objects.filter(city=city).first()
    assert admin_client.get(f"/admin/cities/city/{city.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/cities/district/{district.pk}/change/").status_code == 200
