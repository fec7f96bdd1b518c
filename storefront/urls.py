"""Every customer page, under the "storefront" namespace."""

from django.urls import path

from storefront.views import account, cart, catalog, orders, pay, wallet

app_name = "storefront"

urlpatterns = [
    path("", catalog.product_list, name="catalog"),
    path("products/<uuid:product_id>/", catalog.product_detail, name="product"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart_add"),
    path("cart/update/", cart.cart_update, name="cart_update"),
    path("cart/checkout/", cart.checkout, name="checkout"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:order_id>/", orders.order_detail, name="order"),
    path("orders/<uuid:order_id>/status/", orders.order_status, name="order_status"),
    path("orders/<uuid:order_id>/cancel/", orders.order_cancel_view, name="order_cancel"),
    path("orders/<uuid:order_id>/pay/", orders.order_pay, name="order_pay"),
    path(
        "orders/<uuid:order_id>/downloads/<int:line_id>/renew/",
        orders.download_renew,
        name="download_renew",
    ),
    path("downloads/<str:token>", orders.download, name="download"),
    path("wallet/", wallet.wallet, name="wallet"),
    path("wallet/deposit/", wallet.deposit, name="deposit"),
    path("wallet/withdraw/", wallet.withdraw, name="withdraw"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("register/", account.register, name="register"),
    path("account/password/", account.password_change, name="password"),
    path("pay/<uuid:checkout_id>/", pay.checkout_pay, name="checkout_pay"),
    path("pay/<uuid:checkout_id>/status/", pay.checkout_status, name="checkout_status"),
]
