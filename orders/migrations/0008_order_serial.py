from django.db import migrations, models

import orders.models

SEQUENCE = "orders_order_serial_seq"


def number_existing_orders(apps, schema_editor):
    """Oldest first, from K-10001; then the sequence (PostgreSQL) goes on from
    the last."""
    Order = apps.get_model("orders", "Order")
    serial = orders.models.FIRST_ORDER_SERIAL
    for pk in Order.objects.order_by("created_at", "id").values_list("pk", flat=True).iterator():
        Order.objects.filter(pk=pk).update(serial=serial)
        serial += 1
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE SEQUENCE {SEQUENCE} START WITH {serial} OWNED BY orders_order.serial"
        )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0007_fulfilment_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="serial",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_existing_orders, drop_sequence),
        migrations.AlterField(
            model_name="order",
            name="serial",
            field=orders.models.OrderSerialField(
                editable=False, help_text="Read as K-10482.", unique=True
            ),
        ),
    ]
