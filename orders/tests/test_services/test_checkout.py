import pytest

from accounts.tests.factories import MerchantFactory, UserFactory
from catalog.models import Stock, StockMovement
from catalog.tests.factories import ProductFactory
from core.exceptions import ApplicationError
from orders.models import Order, OrderEvent, OrderItem
from orders.tests.factories import place_order
from wallets.models import LedgerEntry, Transfer, Wallet
from wallets.tests.factories import funded_wallet, pending_of, settle_proceeds
from wallets.verification import ledger_violations

pytestmark = pytest.mark.django_db


def _stock(product):
    return Stock.objects.get(pk=product.pk)


def _balance(user, currency="USD"):
    wallet = Wallet.objects.filter(owner=user, currency=currency).first()
    return wallet.balance if wallet else 0


def test_wallet_checkout_owes_merchants_pending_proceeds_moves_stock_and_ends_paid():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    first, second = MerchantFactory(), MerchantFactory()
    card = ProductFactory(merchant=first, price=1500, stock=5)
    licence = ProductFactory(merchant=second, price=2000, stock=5)

    order = place_order(buyer, [(card, 2), (licence, 1)])

    assert order.status == Order.Status.PAID
    assert order.total == 5000
    assert _balance(buyer) == 5000
    assert (_balance(first), _balance(second)) == (0, 0)
    assert (pending_of(first), pending_of(second)) == (3000, 2000)
    assert (_stock(card).available, _stock(card).sold) == (3, 2)
    assert [(e.from_status, e.to_status) for e in order.events.all()] == [
        ("", "CREATED"),
        ("CREATED", "PAYMENT_PENDING"),
        ("PAYMENT_PENDING", "PAID"),
    ]
    # One transfer from the buyer into a clearing shard, whatever the merchants.
    transfers = Transfer.objects.filter(reference=f"order:{order.pk}", kind="PURCHASE")
    assert transfers.count() == 1
    assert ledger_violations() == []
    settle_proceeds()
    assert (_balance(first), _balance(second)) == (3000, 2000)
    assert (pending_of(first), pending_of(second)) == (0, 0)
    assert ledger_violations() == []


def test_order_snapshots_name_and_price():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(name="Old name", price=1000)
    order = place_order(buyer, [(product, 1)])

    product.name, product.price = "New name", 9999
    product.save()

    item = order.items.get()
    assert (item.name, item.unit_price, item.subtotal) == ("Old name", 1000, 1000)


def test_duplicate_lines_are_merged():
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(price=100, stock=10)

    order = place_order(buyer, [(product, 2), (product, 3)])

    assert list(order.items.values_list("quantity", flat=True)) == [5]
    assert order.total == 500


def test_merged_lines_above_one_hundred_are_refused():
    buyer = UserFactory()
    funded_wallet(buyer, 10**7)
    product = ProductFactory(price=1, stock=500)

    with pytest.raises(ApplicationError) as refused:
        place_order(buyer, [(product, 60), (product, 41)])

    assert refused.value.code == "invalid"


def _nothing_written(buyer, products, balance):
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()
    assert not OrderEvent.objects.exists()
    assert _balance(buyer) == balance
    assert not LedgerEntry.objects.filter(transfer__kind="PURCHASE").exists()
    for product, available in products:
        assert _stock(product).available == available
        assert not StockMovement.objects.filter(product=product, reason="sale").exists()


def test_insufficient_funds_writes_nothing():
    buyer = UserFactory()
    funded_wallet(buyer, 999)
    product = ProductFactory(price=1000, stock=5)

    with pytest.raises(ApplicationError) as refused:
        place_order(buyer, [(product, 1)])

    assert (refused.value.code, refused.value.status) == ("insufficient_funds", 409)
    _nothing_written(buyer, [(product, 5)], 999)


def test_insufficient_stock_names_every_short_product_and_writes_nothing():
    buyer = UserFactory()
    funded_wallet(buyer, 100_000)
    plenty = ProductFactory(stock=10)
    scarce = ProductFactory(name="Scarce", stock=1)
    gone = ProductFactory(name="Gone", stock=0)

    with pytest.raises(ApplicationError) as refused:
        place_order(buyer, [(plenty, 1), (scarce, 2), (gone, 1)])

    assert (refused.value.code, refused.value.status) == ("insufficient_stock", 409)
    short = {line["name"]: line for line in refused.value.extra["products"]}
    assert set(short) == {"Scarce", "Gone"}
    assert short["Scarce"]["available"] == 1
    _nothing_written(buyer, [(plenty, 10), (scarce, 1), (gone, 0)], 100_000)


def test_card_checkout_reserves_stock_until_the_reservation_ends(settings):
    settings.RESERVATION_TTL_SECONDS = 900
    buyer = UserFactory()
    product = ProductFactory(stock=5)

    order = place_order(buyer, [(product, 2)], method=Order.PaymentMethod.CARD)

    assert order.status == Order.Status.PAYMENT_PENDING
    stock = _stock(product)
    assert (stock.available, stock.reserved, stock.sold) == (3, 2, 0)
    remaining = (order.reserved_until - order.created_at).total_seconds()
    assert 899 <= remaining <= 901
    assert _balance(buyer) == 0


@pytest.mark.parametrize("state", ["missing", "deleted", "inactive"])
def test_unavailable_product_is_refused_by_name(state):
    from catalog.services import product_delete

    buyer = UserFactory()
    funded_wallet(buyer, 10_000)
    product = ProductFactory(is_active=state != "inactive")
    if state == "deleted":
        product_delete(product=product)
    if state == "missing":
        product.pk = "00000000-0000-0000-0000-000000000001"

    with pytest.raises(ApplicationError) as refused:
        place_order(buyer, [(product, 1)])

    assert (refused.value.code, refused.value.status) == ("product_unavailable", 400)
    assert refused.value.extra["product_ids"] == [str(product.pk)]


def test_mixed_currencies_are_refused(settings):
    settings.KASSA_CURRENCIES = ["USD", "EUR"]
    buyer = UserFactory()
    funded_wallet(buyer, 10_000)

    with pytest.raises(ApplicationError) as refused:
        place_order(
            buyer, [(ProductFactory(currency="USD"), 1), (ProductFactory(currency="EUR"), 1)]
        )

    assert (refused.value.code, refused.value.status) == ("mixed_currency", 422)


def test_merchant_cannot_buy_their_own_product():
    merchant = MerchantFactory()
    funded_wallet(merchant, 10_000)
    product = ProductFactory(merchant=merchant)

    with pytest.raises(ApplicationError) as refused:
        place_order(merchant, [(product, 1)])

    assert (refused.value.code, refused.value.status) == ("own_product", 422)


def test_merchant_can_buy_from_another_merchant():
    buyer = MerchantFactory()
    funded_wallet(buyer, 10_000)

    assert place_order(buyer, [(ProductFactory(), 1)]).status == Order.Status.PAID


def test_eur_order_uses_eur_wallets(settings):
    settings.KASSA_CURRENCIES = ["USD", "EUR"]
    buyer = UserFactory()
    funded_wallet(buyer, 5000, currency="EUR")
    funded_wallet(buyer, 5000, currency="USD")
    product = ProductFactory(currency="EUR", price=1000)

    order = place_order(buyer, [(product, 1)])

    assert order.currency == "EUR"
    assert (_balance(buyer, "EUR"), _balance(buyer, "USD")) == (4000, 5000)
    assert ledger_violations() == []
