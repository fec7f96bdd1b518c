"""Sweep tasks are sent once for many commits, a moment after the first."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from orders.tasks import send_due_receipts_task
from orders.tests.factories import place_order
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


@override_settings(SWEEP_GATHER_SECONDS=0.5)
def test_three_paid_orders_send_one_receipts_sweep_half_a_second_later(
    django_capture_on_commit_callbacks,
):
    cache.clear()
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=100, stock=10)

    with mock.patch.object(send_due_receipts_task, "apply_async") as send:
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                place_order(buyer, [(product, 1)])

    send.assert_called_once_with((), countdown=0.5)
