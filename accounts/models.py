import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # Emails are compared case-insensitively, so they are stored lower-case.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        # The same identity django-axes locks (accounts.backends.login_identity).
        return self.get(email=self.normalize_email(username))

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        CUSTOMER = "CUSTOMER", "Customer"
        MERCHANT = "MERCHANT", "Merchant"
        ADMIN = "ADMIN", "Admin"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    token_version = models.PositiveIntegerField(
        default=0,
        help_text="Carried in every JWT and in every session's auth hash; raised when "
        'the password changes or on "Sign out everywhere else", which ends every '
        "token and session made before.",
    )
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner used a link sent to this email."
    )
    two_factor_enabled = models.BooleanField(
        default=False,
        help_text="Has a confirmed authenticator app: every sign-in asks for its code.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = User.objects.normalize_email(self.email)

    def get_session_auth_hash(self):
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    def _session_auth_hash(self, *, secret):
        # Django's hash covers the password only; the token version makes
        # "Sign out everywhere else" end the other sessions the same way.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.token_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_platform_staff(self) -> bool:
        """Kassa's own staff, as opposed to merchants, who are staff for their
        scoped admin pages only."""
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_merchant(self) -> bool:
        return self.role == self.Role.MERCHANT

    @property
    def is_customer(self) -> bool:
        return self.role == self.Role.CUSTOMER

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class SignIn(models.Model):
    """One place the account is signed in, for "Account": a browser session, or
    an API refresh token and the ones rotated from it (their `sid` claim)."""

    class Kind(models.TextChoices):
        BROWSER = "browser", "Browser"
        API = "api", "API token"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    session_key = models.CharField(max_length=40, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [
            models.Index(
                fields=["user", "-last_seen_at"],
                condition=models.Q(ended_at__isnull=True),
                name="accounts_signin_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.user_id} ({self.ip_address})"


class ApiKey(models.Model):
    """A merchant's secret key for their own servers (`kassa_sk_…`). Only a
    keyed hash of it is stored (core.crypto.fingerprint): the key itself is
    shown once, when it is made, and nowhere else."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write (products, payment links, fulfil and refund orders)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    hashed_key = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4, help_text="Shown as kassa_sk_…abcd.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="To the minute.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.shown})"

    @property
    def shown(self) -> str:
        return f"kassa_sk_…{self.last_four}"

    @property
    def can_write(self) -> bool:
        return self.Scope.WRITE in self.scopes
