"""The Django side of `make bench`: seed the scratch database, check invariants.

Run as `python -m bench.seed prepare OUT_DIR`, `python -m bench.seed check` or
`python -m bench.seed flash UNITS` (a product with UNITS units; prints its id),
with DATABASE_URL pointing at the scratch database.
"""

import json
import sys
from pathlib import Path

import django

BUYERS = 64
MERCHANTS = 50
PRODUCTS_PER_MERCHANT = 20
BUYER_FUNDS = 10**11  # enough for any run at any speed
HOT_STOCK = 10**9
# The hot product is a flash sale's: its stock spread over this many buckets.
HOT_BUCKETS = 8


def prepare(out_dir: Path) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from catalog.services import product_create
    from wallets.services import wallet_deposit, wallet_get_or_create_many

    unusable = make_password(None)
    verified = timezone.now()  # seeded accounts sell and withdraw at once
    merchants = User.objects.bulk_create(
        User(
            email=f"merchant{i}@bench.example",
            role="MERCHANT",
            password=unusable,
            email_verified_at=verified,
        )
        for i in range(MERCHANTS)
    )
    buyers = User.objects.bulk_create(
        User(
            email=f"buyer{i}@bench.example",
            role="CUSTOMER",
            password=unusable,
            email_verified_at=verified,
        )
        for i in range(BUYERS)
    )
    for buyer in buyers:
        wallet_deposit(user=buyer, amount=BUYER_FUNDS, currency="USD")
    hot = product_create(
        merchant=merchants[0],
        name="Hot gift card",
        price=1000,
        currency="USD",
        stock=HOT_STOCK,
        stock_buckets=HOT_BUCKETS,
    )
    spread = [
        product_create(
            merchant=merchant,
            name=f"Product {m}-{p}",
            description="A digital product for the benchmark.",
            price=500 + p,
            currency="USD",
            stock=HOT_STOCK,
        )
        for m, merchant in enumerate(merchants)
        for p in range(PRODUCTS_PER_MERCHANT)
    ]
    admin = User.objects.create(
        email="admin@bench.example",
        role="ADMIN",
        is_staff=True,
        password=unusable,
        email_verified_at=verified,
    )
    (out_dir / "admin.txt").write_text(f"{AccessToken.for_user(admin)}\n")
    (out_dir / "tokens.txt").write_text(
        "\n".join(str(AccessToken.for_user(b)) for b in buyers) + "\n"
    )
    (out_dir / "hot.txt").write_text(f"{hot.pk}\n")
    (out_dir / "spread.txt").write_text("\n".join(str(p.pk) for p in spread) + "\n")
    # hot_merchant: every request buys one of the second merchant's products.
    one_merchants = [p for p in spread if p.merchant_id == merchants[1].pk]
    (out_dir / "hot_merchant.txt").write_text("\n".join(str(p.pk) for p in one_merchants) + "\n")
    # The merchants' own wallet rows exist, so the lock probe can watch them.
    wallets = wallet_get_or_create_many(user_ids=[m.pk for m in merchants[:2]], currency="USD")
    (out_dir / "watched.json").write_text(
        json.dumps(
            {
                "hot": {
                    "stock": [str(hot.pk)],
                    "merchant_wallet": str(wallets[merchants[0].pk].pk),
                },
                "hot_merchant": {
                    "stock": [str(p.pk) for p in one_merchants],
                    "merchant_wallet": str(wallets[merchants[1].pk].pk),
                },
            }
        )
    )
    return {"buyers": len(buyers), "merchants": len(merchants), "products": len(spread) + 1}


def flash(units: int) -> dict:
    from accounts.models import User
    from catalog.services import product_create

    merchant = User.objects.get(email="merchant2@bench.example")
    product = product_create(
        merchant=merchant,
        name="Flash sale",
        price=700,
        currency="USD",
        stock=units,
        stock_buckets=HOT_BUCKETS,
    )
    return {"product": str(product.pk)}


def movements(product_id: str) -> dict:
    """One product's stock and the sum of its movements, which must agree."""
    from django.db.models import Sum

    from catalog.models import Product, StockMovement

    stock = Product.objects.get(pk=product_id).stock_counts  # its buckets' included
    moved = StockMovement.objects.filter(product_id=product_id).aggregate(
        available=Sum("delta_available"), sold=Sum("delta_sold"), reserved=Sum("delta_reserved")
    )
    return {
        "available": stock.available,
        "sold": stock.sold,
        "reserved": stock.reserved,
        "movements": moved,
        "movements_add_up": moved == stock._asdict(),
    }


def check() -> dict:
    """Invariants after load: stock matches orders, payments match orders, books balance."""
    from django.db.models import Min, Q, Sum

    from catalog.models import Stock, StockBucket
    from orders.models import Order, OrderItem
    from payments.models import Payment
    from wallets.verification import ledger_violations

    def units(*statuses):
        return (
            OrderItem.objects.filter(order__status__in=statuses).aggregate(s=Sum("quantity"))["s"]
            or 0
        )

    rows = Stock.objects.aggregate(
        sold=Sum("sold", default=0), reserved=Sum("reserved", default=0), lowest=Min("available")
    )
    # A flash sale's units sold or reserved from its buckets.
    buckets = StockBucket.objects.aggregate(
        sold=Sum("sold", default=0), reserved=Sum("reserved", default=0), lowest=Min("available")
    )
    lowest = [v for v in (rows["lowest"], buckets["lowest"]) if v is not None]
    stock = {
        "sold": rows["sold"] + buckets["sold"],
        "reserved": rows["reserved"] + buckets["reserved"],
        "lowest": min(lowest, default=None),
    }
    paid_card_orders = Order.objects.filter(
        payment_method="CARD", status__in=["PAID", "FULFILLED", "REFUNDED"]
    )
    card_orders_without_one_payment = paid_card_orders.exclude(
        payments__status__in=list(Payment.CAPTURED)
    ).count()
    unsettled = Payment.objects.filter(status__in=["PENDING", "PROCESSING"]).count()
    failed_but_paid = Order.objects.filter(
        Q(status="PAID") & Q(payments__status="FAILED") & ~Q(payments__status="SUCCEEDED")
    ).count()
    violations = ledger_violations()
    result = {
        "orders_paid": Order.objects.filter(status__in=["PAID", "FULFILLED"]).count(),
        "orders_refunded": Order.objects.filter(status="REFUNDED").count(),
        "units_sold": stock["sold"] or 0,
        "units_in_paid_orders": units("PAID", "FULFILLED"),
        "units_reserved": stock["reserved"] or 0,
        "units_in_pending_orders": units("PAYMENT_PENDING"),
        "lowest_stock": stock["lowest"],
        "card_orders_paid_without_a_captured_payment": card_orders_without_one_payment,
        "orders_paid_with_only_failed_payments": failed_but_paid,
        "payments_unsettled": unsettled,
        "ledger_violations": len(violations),
    }
    result["ok"] = (
        result["units_sold"] == result["units_in_paid_orders"]
        and result["units_reserved"] == result["units_in_pending_orders"]
        and (result["lowest_stock"] or 0) >= 0
        and card_orders_without_one_payment == 0
        and failed_but_paid == 0
        and not violations
    )
    return result


if __name__ == "__main__":
    django.setup()
    command, args = sys.argv[1], sys.argv[2:]
    commands = {
        "prepare": lambda: prepare(Path(args[0])),
        "check": check,
        "flash": lambda: flash(int(args[0])),
        "movements": lambda: movements(args[0]),
    }
    print(json.dumps(commands[command]()))
