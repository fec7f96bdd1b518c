import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"


def _payload(**overrides):
    return {
        "email": "new@example.com",
        "password": "a-long-unusual-passphrase",
        "role": "MERCHANT",
        "first_name": "New",
        "last_name": "Person",
        **overrides,
    }


def test_register_returns_user_and_working_tokens(api_client):
    response = api_client.post(URL, _payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["role"] == "MERCHANT"
    assert "password" not in body["user"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get("/api/v1/auth/me").json()["email"] == "new@example.com"


def test_register_stores_email_lower_case(api_client):
    response = api_client.post(URL, _payload(email="Mixed.Case@Example.COM"), format="json")

    assert response.status_code == 201
    assert User.objects.get().email == "mixed.case@example.com"


def test_register_as_admin_is_refused(api_client):
    response = api_client.post(URL, _payload(role="ADMIN"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "role" in response.json()["errors"]
    assert not User.objects.exists()


def test_register_duplicate_email_ignoring_case_is_refused(api_client):
    UserFactory(email="taken@example.com")

    response = api_client.post(URL, _payload(email="TAKEN@example.com"), format="json")

    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "new@example.com"])
def test_register_weak_password_is_refused(api_client, password):
    response = api_client.post(URL, _payload(password=password), format="json")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "", "a@", "@b.com"])
def test_register_invalid_email_is_refused(api_client, email):
    response = api_client.post(URL, _payload(email=email), format="json")

    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_register_ignores_client_sent_privilege_fields(api_client):
    response = api_client.post(
        URL, _payload(is_staff=True, is_superuser=True, role="CUSTOMER"), format="json"
    )

    assert response.status_code == 201
    user = User.objects.get()
    assert not user.is_staff
    assert not user.is_superuser
