from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/login", api.LoginApi.as_view(), name="auth-login"),
    path("auth/login/otp", api.LoginOtpApi.as_view(), name="auth-login-otp"),
    path("auth/refresh", api.RefreshApi.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password", api.PasswordChangeApi.as_view(), name="auth-password"),
    path("auth/password/reset", api.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm",
        api.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/email", api.EmailChangeApi.as_view(), name="auth-email"),
    path("auth/email/verify", api.EmailVerifyApi.as_view(), name="auth-email-verify"),
    path(
        "auth/email/verify/resend",
        api.EmailVerifyResendApi.as_view(),
        name="auth-email-verify-resend",
    ),
    path("auth/me", api.MeApi.as_view(), name="auth-me"),
    path("api-keys", api.ApiKeyListCreateApi.as_view(), name="api-key-list"),
    path("api-keys/<uuid:key_id>", api.ApiKeyRevokeApi.as_view(), name="api-key-detail"),
]
