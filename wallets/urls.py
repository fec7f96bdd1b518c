from django.urls import path

from wallets import api

urlpatterns = [
    path("wallet", api.WalletDetailApi.as_view(), name="wallet-detail"),
    path("wallet/withdraw", api.WalletWithdrawApi.as_view(), name="wallet-withdraw"),
    path("wallet/transactions", api.WalletTransactionListApi.as_view(), name="wallet-transactions"),
]
