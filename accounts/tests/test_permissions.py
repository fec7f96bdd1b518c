import pytest
from rest_framework.test import APIRequestFactory

from accounts.models import User
from accounts.permissions import IsAdmin, IsCustomer, IsMerchant, IsMerchantOrAdmin
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("permission", "allowed_roles"),
    [
        (IsCustomer, {"CUSTOMER"}),
        (IsMerchant, {"MERCHANT"}),
        (IsAdmin, {"ADMIN"}),
        (IsMerchantOrAdmin, {"MERCHANT", "ADMIN"}),
    ],
)
def test_role_permissions_admit_only_their_roles(permission, allowed_roles):
    request = APIRequestFactory().get("/")
    for role in User.Role.values:
        request.user = UserFactory(role=role)
        assert permission().has_permission(request, None) is (role in allowed_roles)
