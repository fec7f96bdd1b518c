"""The Merchants group: exactly what a merchant needs in the Django admin, whose
pages then scope every list to the merchant's own rows. Existing merchants join."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.merchants import GROUP, codenames

def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in codenames()
        ]
    )
    for merchant in User.objects.filter(role="MERCHANT"):
        merchant.is_staff = True
        merchant.save(update_fields=["is_staff"])
        merchant.groups.add(group)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_token_version"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
        ("orders", "0001_initial"),
        ("payments", "0002_refund_holds_and_late_captures"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
