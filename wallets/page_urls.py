from django.urls import path

from wallets import views

app_name = "wallets"

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/deposit/", views.deposit, name="deposit"),
    path("wallet/withdraw/", views.withdraw, name="withdraw"),
    path("dashboard/wallet/", views.dashboard_wallet, name="dashboard_wallet"),
    path("dashboard/exports/sales.csv", views.export_sales, name="export_sales"),
    path("dashboard/exports/ledger.csv", views.export_ledger, name="export_ledger"),
]
