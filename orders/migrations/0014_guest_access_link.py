"""Guests open their order with a mailed link instead of an order password (issue 15)."""
import secrets

from django.db import migrations, models


def nonces_give(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    for pk in Order.objects.filter(buyer__isnull=True, guest_access_nonce="").values_list("pk", flat=True).iterator():
        Order.objects.filter(pk=pk).update(guest_access_nonce=secrets.token_urlsafe(16))


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0013_vendor_order_finished_at_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="guest_access_nonce",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.RunPython(nonces_give, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="order",
            name="guest_password",
        ),
    ]
