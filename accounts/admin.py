from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import two_factor_reset

# django-otp's own pages show the TOTP keys and recovery codes to staff; the
# action below is the only thing staff do with someone's second factor.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "is_staff",
        "email_verified_at",
        "two_factor_enabled",
    ]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "two_factor_enabled"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined", "email_verified_at", "two_factor_enabled"]
    actions = ["reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("email", "password", "email_verified_at", "two_factor_enabled")}),
        ("Profile", {"fields": ("first_name", "last_name", "role")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.action(description="Reset two-factor sign-in of the selected users")
    def reset_two_factor(self, request, queryset):
        """For a lost phone with no recovery codes left; written to the admin's
        history of each user and to the log."""
        users = list(queryset.filter(two_factor_enabled=True))
        for user in users:
            two_factor_reset(user=user, actor=request.user)
            self.log_change(request, user, "Reset two-factor sign-in.")
        self.message_user(
            request,
            f"Two-factor sign-in reset for {len(users)} user(s); they sign in with "
            "their password until they turn it on again.",
            messages.SUCCESS,
        )
