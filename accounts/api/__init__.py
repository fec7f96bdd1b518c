"""The accounts API: sign-in and tokens, password reset, email verification."""

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
from accounts.api.passwords import PasswordResetApi, PasswordResetConfirmApi

__all__ = [
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
