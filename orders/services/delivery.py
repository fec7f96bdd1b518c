"""Digital delivery: the codes, licence keys and download grants an order hands
over in the transaction that makes it PAID, and the signed links that serve the
files.

Codes are taken under the stock locks the caller holds, so no two orders can
ever hold the same code; the buyer is emailed once the delivery commits.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, ProductCode
from catalog.services import codes_sell_reserved, codes_take, licences_issue
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.task_names import SEND_ORDER_READY_EMAIL
from orders.downloads import DownloadGone, DownloadUnavailable
from orders.errors import OrderErrorCode
from orders.locks import order_item_qs_for_update
from orders.models import DeliveryAccess, DownloadGrant, Order, OrderItem
from orders.selectors import order_fulfilment_note

Kind = Product.DeliveryKind
logger = logging.getLogger("kassa.orders")


def delivery_kinds(locked_stock: dict) -> dict:
    """{product id: delivery kind} of stock rows locked with their products."""
    return {pid: stock.product.delivery_kind for pid, stock in locked_stock.items()}


def delivers_everything(lines, kinds: dict) -> bool:
    return all(kinds[line.product_id] != Kind.MANUAL for line in lines)


def deliver(order: Order, lines, kinds: dict, *, reserved: bool, now=None) -> bool:
    """Hand over every code and download of a paid order's `lines`; True when
    nothing is left for the merchant to fulfil by hand.

    reserved: the codes were reserved at checkout (a card order) rather than
    taken now (a wallet order)."""
    now = now or timezone.now()
    code_lines = [line for line in lines if kinds[line.product_id] == Kind.CODES]
    download_lines = [line for line in lines if kinds[line.product_id] == Kind.DOWNLOAD]
    licence_lines = [line for line in lines if kinds[line.product_id] == Kind.LICENCE]
    if code_lines:
        if reserved:
            codes_sell_reserved(lines=code_lines, now=now)
        else:
            codes_take(lines=code_lines, state=ProductCode.State.SOLD, now=now)
    DownloadGrant.objects.bulk_create([_new_grant(line, now) for line in download_lines])
    licences_issue(lines=licence_lines, now=now)
    if code_lines or download_lines or licence_lines:
        enqueue_on_commit(SEND_ORDER_READY_EMAIL, str(order.pk))
    return delivers_everything(lines, kinds)


def _new_grant(line: OrderItem, now) -> DownloadGrant:
    return DownloadGrant(
        order_item=line,
        expires_at=now + timedelta(hours=settings.DOWNLOAD_TTL_HOURS),
        download_limit=settings.DOWNLOAD_LIMIT,
    )


def downloads_revoke(*, lines, now) -> None:
    DownloadGrant.objects.filter(order_item__in=lines, revoked_at__isnull=True).update(
        revoked_at=now
    )


# --- download links ---------------------------------------------------------------------


# While a card dispute is open the buyer's bank has the money back: what the
# order delivered is withheld until the dispute is won.
WITHHELD = (Order.Status.DISPUTED, Order.Status.CHARGEBACK)


def delivery_access_record(
    *, order: Order, kind: str, user: User, ip: str | None, user_agent: str, order_item=None
) -> DeliveryAccess:
    """Note that the buyer reached what the order delivered: the evidence a
    dispute is answered with."""
    return DeliveryAccess.objects.create(
        order=order,
        order_item=order_item,
        kind=kind,
        user=user,
        ip_address=ip,
        user_agent=user_agent[:300],
    )


def download_consume(
    *, grant_id: str, user: User, ip: str | None = None, user_agent: str = ""
) -> tuple[Product, File]:
    """Count one download of a grant the caller owns, atomically, record it
    (delivery_access_record) and return the product and its file, open.
    DownloadGrant.DoesNotExist for another user's link; DownloadGone when used
    up, expired, revoked (a refund) or withheld (a dispute); DownloadUnavailable
    when the storage cannot give the file (not counted)."""
    grant = DownloadGrant.objects.select_related("order_item__order", "order_item__product").get(
        pk=grant_id, order_item__order__buyer=user
    )
    if grant.order_item.order.status in WITHHELD:
        raise DownloadGone("This file is withheld while the card payment is disputed.")
    product = grant.order_item.product
    try:
        # Opened before counting: a storage that fails costs the buyer nothing.
        handle = product.download_file.open("rb")
    except (OSError, ValueError) as missing:
        logger.error("download_unavailable product_id=%s", product.pk, exc_info=True)
        raise DownloadUnavailable(
            "This file cannot be fetched right now; try again soon."
        ) from missing
    counted = DownloadGrant.objects.filter(
        pk=grant.pk,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        downloads_used__lt=F("download_limit"),
    ).update(downloads_used=F("downloads_used") + 1)
    if not counted:
        handle.close()
        raise DownloadGone(
            "This download link is used up or has expired; get a new one from your order page."
        )
    delivery_access_record(
        order=grant.order_item.order,
        order_item=grant.order_item,
        kind=DeliveryAccess.Kind.DOWNLOAD,
        user=user,
        ip=ip,
        user_agent=user_agent,
    )
    return product, handle


@transaction.atomic
def download_link_renew(*, order: Order, line_id: int, buyer: User) -> DownloadGrant:
    """A fresh link (DOWNLOAD_LIMIT downloads, DOWNLOAD_TTL_HOURS) for one paid
    download line; the earlier links stop working. Refused after
    DOWNLOAD_REISSUE_LIMIT renewals (download_limit_reached, 409), and for
    orders that are not paid (refunded ones included)."""
    line = (
        order_item_qs_for_update()
        .select_related("order", "product")
        .filter(pk=line_id, order=order, order__buyer=buyer)
        .first()
    )
    if line is None or line.product.delivery_kind != Kind.DOWNLOAD:
        raise ApplicationError(
            "This order has no such download.", code=OrderErrorCode.NOT_FOUND, status=404
        )
    if line.order.status not in (Order.Status.PAID, Order.Status.FULFILLED):
        raise ApplicationError(
            f"An order in {line.order.status} has no downloads.",
            code=OrderErrorCode.INVALID_TRANSITION,
            status=409,
            extra={"status": line.order.status},
        )
    issued = line.download_grants.count()
    if issued > settings.DOWNLOAD_REISSUE_LIMIT:
        raise ApplicationError(
            "No more download links can be issued for this order; contact the merchant.",
            code=OrderErrorCode.DOWNLOAD_LIMIT_REACHED,
            status=409,
        )
    now = timezone.now()
    downloads_revoke(lines=[line], now=now)
    grant = _new_grant(line, now)
    grant.save(force_insert=True)
    return grant


# --- telling the buyer ----------------------------------------------------------------------


def order_ready_email_send(*, order_id: str) -> None:
    """ "Your order is ready": where to find the codes and files. It names no
    code Kassa delivered, so no mail log or relay holds one; the note a
    merchant fulfilled the order with is the merchant's own message to the
    buyer, and is in it."""
    order = Order.objects.select_related("buyer").get(pk=order_id)
    items = list(order.items.select_related("product"))
    context = {
        "order": order,
        "items": items,
        "delivered": any(item.product.delivers_itself for item in items),
        "note": order_fulfilment_note(order=order, viewer=order.buyer),
        "order_url": settings.SITE_URL + reverse("storefront:order", args=[order.pk]),
    }
    send_mail(
        subject="Your order is ready",
        message=render_to_string("emails/order_ready.txt", context),
        from_email=None,
        recipient_list=[order.buyer.email],
    )
