from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

# The resources a client starts from; the others are linked from their answers.
RESOURCES = {
    "register": "auth-register",
    "login": "auth-login",
    "refresh": "auth-refresh",
    "logout": "auth-logout",
    "me": "auth-me",
    "password": "auth-password",
    "products": "product-list",
    "my_products": "product-mine",
    "inventory": "inventory-list",
    "wallet": "wallet-detail",
    "wallet_deposit": "wallet-deposit",
    "wallet_withdraw": "wallet-withdraw",
    "wallet_transactions": "wallet-transactions",
    "orders": "order-list",
    "sales": "order-sales",
    "checkouts": "checkout-create",
    "api_keys": "api-key-list",
    "events": "event-list",
    "webhook_endpoints": "webhook-endpoint-list",
    "webhook_deliveries": "webhook-delivery-list",
    "schema": "schema",
    "docs": "docs",
}


class ApiRootApi(APIView):
    """Kassa's API: where each resource lives. Money-moving POSTs take an
    Idempotency-Key header (in the browsable API, its HTML forms carry one)."""

    name = "Kassa API"  # the browsable API's heading and breadcrumb
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict[str, str]}, auth=[])
    def get(self, request):
        return Response(
            {name: request.build_absolute_uri(reverse(view)) for name, view in RESOURCES.items()}
        )
