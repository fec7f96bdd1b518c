from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/login", api.LoginApi.as_view(), name="auth-login"),
    path("auth/refresh", api.RefreshApi.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password", api.PasswordChangeApi.as_view(), name="auth-password"),
    path("auth/me", api.MeApi.as_view(), name="auth-me"),
    path("api-keys", api.ApiKeyListCreateApi.as_view(), name="api-key-list"),
    path("api-keys/<uuid:key_id>", api.ApiKeyRevokeApi.as_view(), name="api-key-detail"),
]
