from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from catalog.keys import licence_key, licence_key_mask
from catalog.models import Licence, LicenceActivation, Product, ProductCode, Stock, StockMovement

ORDERINGS = {
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "id"),
    "name": ("name", "id"),
}
DEFAULT_ORDERING = "-created_at"


def _with_related(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("merchant", "stock")


def product_list_public(*, filters: dict | None = None) -> QuerySet[Product]:
    filters = filters or {}
    queryset = _with_related(Product.objects.filter(is_active=True, deleted_at__isnull=True))
    if q := filters.get("q"):
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if merchant := filters.get("merchant"):
        queryset = queryset.filter(merchant_id=merchant)
    if (min_price := filters.get("min_price")) is not None:
        queryset = queryset.filter(price__gte=min_price)
    if (max_price := filters.get("max_price")) is not None:
        queryset = queryset.filter(price__lte=max_price)
    # An unknown ordering is ignored rather than refused: it must never reach
    # order_by(), where it could sort by any column.
    return queryset.order_by(*ORDERINGS.get(filters.get("ordering"), ORDERINGS[DEFAULT_ORDERING]))


def product_get_live(*, product_id) -> Product:
    """Any product that is not deleted, active or not (for its owner and admins)."""
    return _with_related(Product.objects.filter(deleted_at__isnull=True)).get(pk=product_id)


def product_get_managed(*, user: User, product_id) -> Product:
    """A live product `user` may manage: its merchant, or an administrator.

    Http404 when there is none; PermissionDenied (403) when it is another
    merchant's. The one ownership rule of the API and the dashboard alike.
    """
    product = _with_related(Product.objects.filter(deleted_at__isnull=True, pk=product_id)).first()
    if product is None:
        raise Http404("No such product.")
    if product.merchant_id != user.pk and not user.is_admin:
        raise PermissionDenied("Only the product's merchant or an administrator can do this.")
    return product


def product_list_for_merchant(*, merchant: User) -> QuerySet[Product]:
    return _with_related(Product.objects.filter(merchant=merchant, deleted_at__isnull=True))


def stock_list() -> QuerySet[Stock]:
    return Stock.objects.select_related("product").order_by("product__name", "pk")


def stock_movement_list(*, product: Product) -> QuerySet[StockMovement]:
    return product.movements.select_related("actor")


def product_code_list(*, product: Product, state: str | None = None) -> QuerySet[ProductCode]:
    queryset = product.codes.select_related("order_item").order_by("id")
    return queryset.filter(state=state) if state else queryset


def product_code_get(*, product: Product, code_id: int) -> ProductCode:
    """ProductCode.DoesNotExist unless the code is this product's."""
    return product.codes.get(pk=code_id)


def product_code_counts(*, product: Product) -> dict:
    """{state: how many} for every code state, zeros included."""
    counts = dict.fromkeys(ProductCode.State.values, 0)
    for row in product.codes.values("state").annotate(n=Count("id")).order_by():
        counts[row["state"]] = row["n"]
    return counts


# --- licence keys ---------------------------------------------------------------------


def licence_product_get_own(*, user: User, product_id) -> Product:
    """A licence product of `user`'s (deleted ones too: their keys still work),
    or of any merchant for an administrator. Http404 for anything else, another
    merchant's included, so their products cannot even be told apart."""
    product = Product.objects.filter(pk=product_id, delivery_kind=Product.DeliveryKind.LICENCE)
    if not user.is_admin:
        product = product.filter(merchant=user)
    if (found := product.first()) is None:
        raise Http404("No such licence product.")
    return found


def licence_list_for_product(*, product: Product) -> QuerySet[Licence]:
    return (
        product.licences.select_related("product", "order_item")
        .prefetch_related("activations")
        .order_by("-id")
    )


def licence_get_for_product(*, product: Product, licence_id) -> Licence:
    licence = licence_list_for_product(product=product).filter(pk=licence_id).first()
    if licence is None:
        raise Http404("This product has no such licence.")
    return licence


def licence_list_for_order(*, order_id) -> QuerySet[Licence]:
    return (
        Licence.objects.filter(order_item__order_id=order_id)
        .select_related("product", "order_item")
        .prefetch_related("activations")
    )


def licence_deliveries(*, lines, reveal: bool, now) -> dict:
    """{line id: [its licences as a page shows them]}: the key in full only when
    `reveal` (the buyer, no dispute open) and not revoked; masked otherwise.
    Live activations only, oldest first."""
    shown: dict = {}
    licences = Licence.objects.filter(order_item__in=lines).prefetch_related(
        Prefetch("activations", LicenceActivation.objects.filter(deactivated_at__isnull=True))
    )
    for licence in licences.order_by("id"):
        key = licence_key(licence)
        in_full = reveal and licence.state != Licence.State.REVOKED
        shown.setdefault(licence.order_item_id, []).append(
            {
                "id": licence.pk,
                "key": key if in_full else licence_key_mask(key),
                "status": licence.status_at(now),
                "reason": licence.reason,
                "reason_text": licence.get_reason_display() if licence.reason else "",
                "activation_limit": licence.activation_limit,
                "expires_at": licence.expires_at,
                "activations": [
                    {"id": a.pk, "name": a.instance_name, "created_at": a.created_at}
                    for a in licence.activations.all()
                ],
            }
        )
    return shown


def licence_get_for_order(*, order_id, licence_id) -> Licence:
    licence = Licence.objects.filter(pk=licence_id, order_item__order_id=order_id).first()
    if licence is None:
        raise Http404("This order has no such licence.")
    return licence
