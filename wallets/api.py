from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_two_factor_verified
from accounts.permissions import ApiKeyAccess
from core.idempotency import idempotent
from core.money import AmountField, CurrencyField, default_currency
from core.pagination import newest_first_paginated, paginate_newest_first
from wallets.models import Transfer
from wallets.selectors import wallet_balances, wallet_transaction_list
from wallets.serializers import WalletOutputSerializer, WalletTransactionOutputSerializer
from wallets.services import wallet_get_or_create, wallet_withdraw


def _currency_or_default(data: dict) -> str:
    return data.get("currency") or default_currency()


class WalletDetailApi(APIView):
    """Your wallet in one currency (minor units): available (the balance), and for
    merchants what is pending settlement, any debt, and when the next proceeds
    settle."""

    class FilterSerializer(serializers.Serializer):
        currency = CurrencyField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: WalletOutputSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        currency = _currency_or_default(filters.validated_data)
        wallet = wallet_get_or_create(user=request.user, currency=currency)
        balances = wallet_balances(user=request.user, currency=currency)
        return Response(WalletOutputSerializer(wallet, context={"balances": balances}).data)


class WalletWithdrawApi(APIView):
    """Pay out of your wallet; never below zero (409 insufficient_funds). Needs a
    verified email (403 email_unverified) and, for an account with two-factor
    sign-in, a token from a login that gave the code (403 otp_required)."""

    api_key_access = ApiKeyAccess.NONE

    class InputSerializer(serializers.Serializer):
        amount = AmountField()
        currency = CurrencyField(required=False)
        description = serializers.CharField(max_length=255, required=False, default="")

    @extend_schema(request=InputSerializer, responses={201: WalletTransactionOutputSerializer})
    @idempotent()
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = wallet_withdraw(
            user=request.user,
            amount=data["amount"],
            currency=_currency_or_default(data),
            description=data["description"],
            two_factor_verified=request_two_factor_verified(request),
        )
        return Response(
            WalletTransactionOutputSerializer(entry).data, status=status.HTTP_201_CREATED
        )


class WalletTransactionListApi(APIView):
    """Your ledger entries, newest first, each with the balance before and after."""

    class FilterSerializer(serializers.Serializer):
        currency = CurrencyField(required=False)
        kind = serializers.ChoiceField(choices=Transfer.Kind.choices, required=False)
        created_after = serializers.DateTimeField(required=False)
        created_before = serializers.DateTimeField(required=False)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: newest_first_paginated(WalletTransactionOutputSerializer)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = wallet_transaction_list(user=request.user, filters=filters.validated_data)
        return paginate_newest_first(request, queryset, WalletTransactionOutputSerializer)
