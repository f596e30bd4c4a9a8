"""Refusals of the API are RFC 9457 problem details, and the schema declares them."""

import pytest

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_invalid_parameters_are_problem_details_naming_each_field(client, demo):
    response = client.get("/api/v1/sites/?sector=abc&limit=0")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Bad Request", 400)
    assert set(body["errors"]) == {"sector", "limit"}
    assert body["sector"] == body["errors"]["sector"]  # the first form, kept for a release


@pytest.mark.parametrize(
    "url", ["/api/v1/sites/abc/", "/api/v1/nothing-here/", "/api/v1/districts/999999999/"]
)
def test_an_address_that_matches_nothing_is_a_problem_404(client, demo, url):
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert response.json()["status"] == 404


def test_a_parameter_given_twice_is_refused_unless_it_repeats_a_facet(client, demo):
    twice = client.get("/api/v1/flows/?year=2019&year=2020")
    assert (twice.status_code, twice["Content-Type"]) == (400, PROBLEM)
    assert list(twice.json()["errors"]) == ["year"]
    assert client.get("/api/v1/tools/?dimension=space&dimension=transitions").status_code == 200


def test_a_nul_byte_and_an_unsupported_method_answer_problem_details(client, demo):
    nul = client.get("/api/v1/sites/?city=%00")
    assert (nul.status_code, nul["Content-Type"]) == (400, PROBLEM)
    method = client.delete("/api/v1/sectors/25/")
    assert method.status_code in (401, 405) and method["Content-Type"] == PROBLEM


def test_every_operation_declares_its_problem_answers(client, demo):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= declared, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "422"} <= declared, (method, path)
            assert PROBLEM in operation["responses"]["404"]["content"]


def test_the_schema_lists_what_the_filters_take(client, demo):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/indicators/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    cities = set(parameters["city"]["schema"]["enum"])
    assert {"", "brussels", "london", "rotterdam-the-hague"} <= cities
    assert {"all", "total", "anderlecht"} <= set(parameters["district"]["schema"]["enum"])
    assert parameters["limit"]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 1000, "default": 100,
    }  # fmt: skip
