from django.urls import path

from payments import api

urlpatterns = [
    path("orders/<uuid:order_id>/pay", api.OrderPayApi.as_view(), name="order-pay"),
    path("orders/<uuid:order_id>/refund", api.OrderRefundApi.as_view(), name="order-refund"),
    path("wallet/deposit", api.WalletDepositApi.as_view(), name="wallet-deposit"),
    path("payments/<uuid:payment_id>", api.PaymentDetailApi.as_view(), name="payment-detail"),
    path("checkouts", api.CheckoutCreateApi.as_view(), name="checkout-create"),
    path("checkouts/<uuid:checkout_id>", api.CheckoutDetailApi.as_view(), name="checkout-detail"),
    path("checkouts/<uuid:checkout_id>/pay", api.CheckoutPayApi.as_view(), name="checkout-pay"),
    path("webhooks/stripe", api.StripeWebhookApi.as_view(), name="webhook-stripe"),
]
