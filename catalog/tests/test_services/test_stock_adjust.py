import pytest
from django.db.models import Sum

from catalog.models import Stock, StockMovement
from catalog.services import stock_adjust
from catalog.tests.factories import ProductFactory
from conftest import run_in_threads
from core.exceptions import ApplicationError
from core.models import AppendOnlyError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_removals_never_go_below_zero_and_movements_sum_to_stock():
    product = ProductFactory(stock=10)

    results = run_in_threads(
        lambda: stock_adjust(product=product, delta=-1, actor=product.merchant),
        [()] * 20,
    )

    succeeded = [r for r in results if isinstance(r, Stock)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert (len(succeeded), len(refused)) == (10, 10)
    assert {e.code for e in refused} == {"insufficient_stock"}
    stock = Stock.objects.get(pk=product.pk)
    assert stock.available == 0
    moved = StockMovement.objects.filter(product=product).aggregate(s=Sum("delta_available"))
    assert moved["s"] == stock.available


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_additions_and_removals_all_land():
    # Enough stock that every removal succeeds in any interleaving.
    product = ProductFactory(stock=12)

    results = run_in_threads(
        lambda delta: stock_adjust(product=product, delta=delta, actor=product.merchant),
        [(3,), (-2,)] * 6,
    )

    assert all(isinstance(r, Stock) for r in results), results
    assert Stock.objects.get(pk=product.pk).available == 12 + 6 * 3 - 6 * 2


@pytest.mark.django_db
def test_database_refuses_negative_stock_even_bypassing_the_service():
    from django.db import IntegrityError

    product = ProductFactory(stock=1)

    with pytest.raises(IntegrityError):
        Stock.objects.filter(pk=product.pk).update(available=-1)


@pytest.mark.django_db
def test_stock_movements_are_append_only():
    movement = ProductFactory(stock=1).movements.get()

    with pytest.raises(AppendOnlyError):
        movement.save()
    with pytest.raises(AppendOnlyError):
        movement.delete()
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.filter(pk=movement.pk).update(delta_available=100)
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.all().delete()
