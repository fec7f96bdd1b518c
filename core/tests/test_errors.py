from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_parse_error(api_client):
    response = api_client.post(
        "/api/v1/auth/login", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_content_type_is_415(api_client):
    response = api_client.post(
        "/api/v1/auth/login", data="email=a", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_validation_error_lists_field_errors(api_client):
    body = api_client.post("/api/v1/auth/register", {}, format="json").json()

    assert body["code"] == "invalid"
    assert body["detail"] == "Invalid input."
    assert "email" in body["errors"]


def test_unknown_api_url_is_json_404():
    response = Client().get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_method_not_allowed_has_the_error_shape(customer_client):
    response = customer_client.delete("/api/v1/auth/me")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_unexpected_exception_is_500_with_the_shape_and_no_internals(customer_client):
    with mock.patch(
        "accounts.api.auth.UserOutputSerializer", side_effect=RuntimeError("secret internals")
    ):
        response = customer_client.get("/api/v1/auth/me")

    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": "Internal server error."}
    assert b"secret internals" not in response.content


def test_error_outside_drf_under_api_is_json_500():
    client = Client(raise_request_exception=False)
    with mock.patch("core.health.JsonResponse", side_effect=RuntimeError("boom")):
        # healthz is not under /api/, so it gets Django's plain page ...
        assert client.get("/healthz").status_code == 500
    with mock.patch("django.urls.resolvers.URLResolver.resolve", side_effect=RuntimeError):
        response = client.get("/api/v1/auth/me")
    # ... while anything under /api/ answers JSON.
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
