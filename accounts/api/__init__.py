"""The accounts API: sign-in and tokens, password reset, email verification, API keys."""

from accounts.api.auth import (
    LoginApi,
    LoginOtpApi,
    LogoutApi,
    MeApi,
    PasswordChangeApi,
    RefreshApi,
    RegisterApi,
)
from accounts.api.email import EmailChangeApi, EmailVerifyApi, EmailVerifyResendApi
from accounts.api.keys import ApiKeyListCreateApi, ApiKeyRevokeApi
from accounts.api.passwords import PasswordResetApi, PasswordResetConfirmApi

__all__ = [
    "ApiKeyListCreateApi",
    "ApiKeyRevokeApi",
    "EmailChangeApi",
    "EmailVerifyApi",
    "EmailVerifyResendApi",
    "LoginApi",
    "LoginOtpApi",
    "LogoutApi",
    "MeApi",
    "PasswordChangeApi",
    "PasswordResetApi",
    "PasswordResetConfirmApi",
    "RefreshApi",
    "RegisterApi",
]
