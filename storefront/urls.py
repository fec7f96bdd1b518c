"""Every customer page, under the "storefront" namespace."""

from django.urls import path

from storefront.views import account, cart, catalog, orders, passwords, pay, two_factor, wallet

app_name = "storefront"

urlpatterns = [
    path("", catalog.product_list, name="catalog"),
    path("products/<uuid:product_id>/", catalog.product_detail, name="product"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart_add"),
    path("cart/update/", cart.cart_update, name="cart_update"),
    path("cart/checkout/", cart.checkout, name="checkout"),
    path("cart/discount/", cart.cart_discount, name="cart_discount"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:order_id>/", orders.order_detail, name="order"),
    path("orders/<uuid:order_id>/status/", orders.order_status, name="order_status"),
    path("orders/<uuid:order_id>/cancel/", orders.order_cancel_view, name="order_cancel"),
    path("orders/<uuid:order_id>/pay/", orders.order_pay, name="order_pay"),
    path("orders/<uuid:order_id>/receipt/", orders.order_receipt_view, name="order_receipt"),
    path(
        "orders/<uuid:order_id>/receipt/email/",
        orders.order_receipt_email,
        name="order_receipt_email",
    ),
    path(
        "orders/<uuid:order_id>/downloads/<int:line_id>/renew/",
        orders.download_renew,
        name="download_renew",
    ),
    path(
        "orders/<uuid:order_id>/licences/<int:licence_id>/<uuid:instance_id>/deactivate/",
        orders.licence_deactivate_view,
        name="licence_deactivate",
    ),
    path("downloads/<str:token>", orders.download, name="download"),
    path("wallet/", wallet.wallet, name="wallet"),
    path("wallet/deposit/", wallet.deposit, name="deposit"),
    path("wallet/withdraw/", wallet.withdraw, name="withdraw"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("login/code/", two_factor.two_factor_login, name="two_factor_login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("register/", account.register, name="register"),
    path("password-reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        passwords.PasswordResetSentView.as_view(),
        name="password_reset_sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", account.account, name="account"),
    path(
        "account/sign-out-others/",
        account.sign_out_everywhere_else,
        name="sign_out_everywhere_else",
    ),
    path("account/email/", account.email_change, name="email_change"),
    path(
        "account/email/resend/",
        account.email_verification_resend_view,
        name="email_verification_resend",
    ),
    path("account/email/verify/<str:token>/", account.email_verify_view, name="email_verify"),
    path("account/password/", account.password_change, name="password"),
    path("account/two-factor/", two_factor.two_factor, name="two_factor"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="recovery_codes",
    ),
    path(
        "account/two-factor/recovery-codes/new/",
        two_factor.recovery_codes_new,
        name="recovery_codes_new",
    ),
    path("account/two-factor/off/", two_factor.two_factor_off, name="two_factor_off"),
    path("pay/<uuid:checkout_id>/", pay.checkout_pay, name="checkout_pay"),
    path("pay/<uuid:checkout_id>/status/", pay.checkout_status, name="checkout_status"),
]
