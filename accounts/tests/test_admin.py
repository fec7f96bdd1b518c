import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(AdminFactory(email="root@example.com"))
    return client


def test_user_admin_searches_and_filters_by_role(staff):
    UserFactory(email="alice@example.com")
    MerchantFactory(email="shop@example.com")

    by_role = staff.get("/admin/accounts/user/", {"role__exact": "MERCHANT"})
    by_search = staff.get("/admin/accounts/user/", {"q": "alice"})

    assert b"shop@example.com" in by_role.content
    assert b"alice@example.com" not in by_role.content
    assert b"alice@example.com" in by_search.content
    assert b"shop@example.com" not in by_search.content


def test_user_admin_creates_a_user_with_a_role(staff):
    response = staff.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "role": "MERCHANT",
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.role == "MERCHANT"
    assert user.check_password("a-long-unusual-passphrase")


def test_user_admin_never_shows_the_password_hash(staff):
    user = UserFactory()

    page = staff.get(f"/admin/accounts/user/{user.pk}/change/")

    assert page.status_code == 200
    assert user.password.encode() not in page.content
