from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, ProductCode
from catalog.selectors import licence_deliveries
from core import crypto
from orders.downloads import download_url
from orders.models import DownloadGrant, Order, OrderEvent, OrderItem


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    merchant: str
    unit_price: int
    quantity: int
    subtotal: int


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows, the email and the printable page alike: amounts
    from the order's own lines, never a code or a download link."""

    order: Order
    lines: list[ReceiptLine]
    subtotal: int
    # Whatever an order-level discount took off: the lines' sum less the total.
    discount: int
    total: int
    refunded: int
    payment_method: str
    merchants: list[str]


def merchant_display_name(merchant: User) -> str:
    return merchant.full_name or "A Kassa merchant"


_RECEIPT_ITEMS = Prefetch(
    "items", queryset=OrderItem.objects.select_related("merchant").order_by("id")
)


def orders_for_receipts(*, order_ids) -> list[Order]:
    """Orders with what their receipts show, in two queries however many."""
    return list(
        Order.objects.filter(pk__in=order_ids)
        .select_related("buyer")
        .prefetch_related(_RECEIPT_ITEMS)
        .order_by("created_at", "id")
    )


def order_receipt(*, order: Order) -> Receipt:
    """order: from orders_for_receipts (or any order: its items are read)."""
    if "items" in getattr(order, "_prefetched_objects_cache", {}):
        items = list(order.items.all())
    else:
        items = list(order.items.select_related("merchant").order_by("id"))
    lines = [
        ReceiptLine(
            name=item.name,
            merchant=merchant_display_name(item.merchant),
            unit_price=item.unit_price,
            quantity=item.quantity,
            subtotal=item.gross,
        )
        for item in items
    ]
    subtotal = sum(line.subtotal for line in lines)
    return Receipt(
        order=order,
        lines=lines,
        subtotal=subtotal,
        discount=max(subtotal - order.total, 0),
        total=order.total,
        refunded=order.refunded_amount,
        payment_method=order.get_payment_method_display(),
        merchants=sorted({line.merchant for line in lines}),
    )


def _with_items(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))


def _sells_in(merchant: User):
    return Exists(OrderItem.objects.filter(order=OuterRef("pk"), merchant=merchant))


def order_list_for_buyer(*, buyer: User, status: str | None = None) -> QuerySet[Order]:
    queryset = Order.objects.filter(buyer=buyer)
    if status:
        queryset = queryset.filter(status=status)
    return _with_items(queryset.order_by("-created_at", "-id"))


def order_list_for_merchant(
    *, merchant: User, status: str | None = None, order_id=None, serial: int | None = None
) -> QuerySet[Order]:
    queryset = Order.objects.filter(_sells_in(merchant)).select_related("buyer")
    if status:
        queryset = queryset.filter(status=status)
    if order_id:
        queryset = queryset.filter(pk=order_id)
    if serial is not None:
        queryset = queryset.filter(serial=serial)
    return _with_items(queryset.order_by("-created_at", "id"))


def order_get_visible(*, user: User, order_id) -> Order:
    """The order if `user` is its buyer, a merchant with a line in it, or an admin.

    Anyone else gets Http404, so the existence of others' orders never shows.
    """
    queryset = Order.objects.all()
    if not user.is_admin:
        queryset = queryset.filter(Q(buyer=user) | _sells_in(user))
    order = _with_items(queryset).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


def order_merchant_ids(*, order: Order) -> set:
    return {item.merchant_id for item in order.items.all()}


def order_get_for_sellers(*, user: User, order_id) -> Order:
    """An order `user` may fulfil or refund: the merchant of every line, or an
    administrator. Http404 when `user` may not see it (order_get_visible);
    PermissionDenied (403) when other merchants sell in it too. The one rule of
    the API and the dashboard alike."""
    order = order_get_visible(user=user, order_id=order_id)
    if user.is_admin or order_merchant_ids(order=order) == {user.pk}:
        return order
    raise PermissionDenied("Only the merchant of every item, or an administrator, can do this.")


def order_event_list(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.order_by("id")


def _merchant_lines(merchant: User):
    return OrderItem.objects.filter(merchant=merchant)


SALE_STATUSES = (Order.Status.PAID, Order.Status.FULFILLED)


def merchant_sales_summary(*, merchant: User, since) -> dict:
    """Orders with the merchant's lines paid since `since` (still paid or fulfilled,
    not refunded), and the revenue of those lines in minor units."""
    lines = _merchant_lines(merchant).filter(
        order__status__in=SALE_STATUSES, order__created_at__gte=since
    )
    totals = lines.aggregate(
        orders=Count("order", distinct=True),
        revenue=Sum(F("unit_price") * F("quantity") - F("discount")),
    )
    return {"orders": totals["orders"], "revenue": totals["revenue"] or 0}


def merchant_daily_revenue(*, merchant: User, since) -> dict:
    """{date: revenue in minor units} of the merchant's paid lines since `since`."""
    rows = (
        _merchant_lines(merchant)
        .filter(order__status__in=SALE_STATUSES, order__created_at__gte=since)
        .annotate(day=TruncDate("order__created_at"))
        .values("day")
        .annotate(revenue=Sum(F("unit_price") * F("quantity") - F("discount")))
    )
    return {row["day"]: row["revenue"] for row in rows}


def merchant_open_reservations(*, merchant: User) -> int:
    return Order.objects.filter(
        _sells_in(merchant),
        status=Order.Status.PAYMENT_PENDING,
        payment_method=Order.PaymentMethod.CARD,
    ).count()


def merchant_sale_lines(*, merchant: User, start, end) -> QuerySet[OrderItem]:
    """The merchant's order lines of orders placed from `start` to `end` (dates,
    both included), oldest first: what a sales export lists."""
    return (
        _merchant_lines(merchant)
        .filter(order__created_at__date__gte=start, order__created_at__date__lte=end)
        .select_related("order")
        .order_by("order__created_at", "id")
    )


def order_day_summary(*, since) -> dict:
    """Orders placed since `since`, and the revenue of those paid (all merchants)."""
    placed = Order.objects.filter(created_at__gte=since)
    paid = placed.filter(status__in=SALE_STATUSES).aggregate(revenue=Sum("total"))
    return {"orders": placed.count(), "revenue": paid["revenue"] or 0}


def order_fulfilment_note(*, order: Order, viewer: User) -> str:
    """The code or message the merchant's "Fulfil" gave the buyer ("" without
    one): in full for the buyer, masked (as codes are) for anyone else and
    while a card dispute withholds what the order delivered."""
    if not order.fulfilment_note_ciphertext:
        return ""
    note = crypto.decrypt(order.fulfilment_note_ciphertext)
    withheld = order.status in (Order.Status.DISPUTED, Order.Status.CHARGEBACK)
    return note if order.buyer_id == viewer.pk and not withheld else crypto.mask(note)


def order_lines_with_products(*, order: Order) -> QuerySet[OrderItem]:
    """The order's lines with their products: how each is delivered."""
    return order.items.select_related("product", "merchant").order_by("id")


def order_deliveries(*, order: Order, viewer: User) -> list[dict]:
    """What an order delivered, line by line (manual lines have nothing to show).

    Only the buyer sees codes in full and gets download links; the merchant of a
    line and admins see codes masked. A refunded order's codes are voided and
    show masked to everyone, and a disputed order's are withheld (masked, no
    link) until the dispute is won. Licence keys follow the same rules, with
    their status and live activations.
    """
    is_buyer = order.buyer_id == viewer.pk
    withheld = order.status in (Order.Status.DISPUTED, Order.Status.CHARGEBACK)
    lines = [
        line
        for line in order.items.all()
        if is_buyer or viewer.is_admin or line.merchant_id == viewer.pk
    ]
    kinds = dict(
        Product.objects.filter(pk__in=[line.product_id for line in lines]).values_list(
            "pk", "delivery_kind"
        )
    )
    codes: dict = {}
    for code in ProductCode.objects.filter(
        order_item__in=lines, state__in=[ProductCode.State.SOLD, ProductCode.State.VOIDED]
    ).order_by("id"):
        plain = crypto.decrypt(code.ciphertext)
        in_full = is_buyer and not withheld and code.state == ProductCode.State.SOLD
        shown = plain if in_full else crypto.mask(plain)
        codes.setdefault(code.order_item_id, []).append(shown)
    grants = {
        grant.order_item_id: grant
        for grant in DownloadGrant.objects.filter(
            order_item__in=lines, revoked_at__isnull=True
        ).order_by("created_at")
    }
    licences = licence_deliveries(
        lines=[line for line in lines if kinds[line.product_id] == Product.DeliveryKind.LICENCE],
        reveal=is_buyer and not withheld,
        now=timezone.now(),
    )
    deliveries = []
    for line in lines:
        kind = kinds[line.product_id]
        entry = {"line_id": line.pk, "product_id": line.product_id, "name": line.name, "kind": kind}
        if kind == Product.DeliveryKind.CODES:
            deliveries.append(entry | {"codes": codes.get(line.pk, [])})
        elif kind == Product.DeliveryKind.LICENCE:
            deliveries.append(entry | {"licences": licences.get(line.pk, [])})
        elif kind == Product.DeliveryKind.DOWNLOAD:
            grant = grants.get(line.pk)
            deliveries.append(
                entry
                | {
                    "download_url": download_url(grant)
                    if grant and is_buyer and not withheld
                    else None,
                    "expires_at": grant.expires_at if grant else None,
                    "downloads_left": grant.downloads_left if grant else 0,
                }
            )
    return deliveries
