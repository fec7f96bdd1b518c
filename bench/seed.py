"""The Django side of `make bench`: seed the scratch database, check invariants.

Run as `python -m bench.seed prepare OUT_DIR` or `python -m bench.seed check`,
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


def prepare(out_dir: Path) -> dict:
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from catalog.services import product_create
    from wallets.services import wallet_deposit

    unusable = make_password(None)
    merchants = User.objects.bulk_create(
        User(email=f"merchant{i}@bench.example", role="MERCHANT", password=unusable)
        for i in range(MERCHANTS)
    )
    buyers = User.objects.bulk_create(
        User(email=f"buyer{i}@bench.example", role="CUSTOMER", password=unusable)
        for i in range(BUYERS)
    )
    for buyer in buyers:
        wallet_deposit(user=buyer, amount=BUYER_FUNDS, currency="USD")
    hot = product_create(
        merchant=merchants[0], name="Hot gift card", price=1000, currency="USD", stock=HOT_STOCK
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
    (out_dir / "tokens.txt").write_text(
        "\n".join(str(AccessToken.for_user(b)) for b in buyers) + "\n"
    )
    (out_dir / "hot.txt").write_text(f"{hot.pk}\n")
    (out_dir / "spread.txt").write_text("\n".join(str(p.pk) for p in spread) + "\n")
    return {"buyers": len(buyers), "merchants": len(merchants), "products": len(spread) + 1}


def check() -> dict:
    from django.db.models import Min, Sum

    from catalog.models import Stock
    from orders.models import Order, OrderItem
    from wallets.verification import ledger_violations

    paid_units = OrderItem.objects.filter(order__status=Order.Status.PAID).aggregate(
        s=Sum("quantity")
    )["s"]
    stock = Stock.objects.aggregate(sold=Sum("sold"), lowest=Min("available"))
    violations = ledger_violations()
    return {
        "orders_paid": Order.objects.filter(status=Order.Status.PAID).count(),
        "units_sold": stock["sold"] or 0,
        "units_in_paid_orders": paid_units or 0,
        "lowest_stock": stock["lowest"],
        "ledger_violations": len(violations),
        "ok": (stock["sold"] or 0) == (paid_units or 0)
        and (stock["lowest"] or 0) >= 0
        and not violations,
    }


if __name__ == "__main__":
    django.setup()
    command = sys.argv[1]
    result = prepare(Path(sys.argv[2])) if command == "prepare" else check()
    print(json.dumps(result))
