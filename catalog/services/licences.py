"""Licence keys: generated at payment, one per unit; checked by the merchant's
software through the public Licence API (activate, validate, deactivate);
disabled by the merchant or an open dispute; revoked by a full refund or a
chargeback. Every change to a licence locks its row first (catalog.locks), so
its activation count is read and written by one transaction at a time."""

import hmac
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.errors import CatalogErrorCode
from catalog.events import LICENCE_ACTIVATED, LICENCE_DEACTIVATED, LICENCE_REVOKED
from catalog.keys import KEY_PREFIX, licence_key, licence_key_mask, licence_key_new
from catalog.locks import licence_qs_for_update
from catalog.models import Licence, LicenceActivation, Product
from core import crypto
from core.exceptions import ApplicationError
from core.ratelimit import rate_key, rate_limit_hit
from events.services import event_build, events_record

State, Status, Reason = Licence.State, Licence.Status, Licence.Reason


def licences_issue(*, lines, now) -> None:
    """One new key per unit of each paid licence line, in one INSERT, with the
    product's activation limit and validity as they are at payment."""
    if not lines:
        return
    terms = {
        row["pk"]: row
        for row in Product.objects.filter(pk__in={line.product_id for line in lines}).values(
            "pk", "activation_limit", "licence_days"
        )
    }
    licences = []
    for line in lines:
        days = terms[line.product_id]["licence_days"]
        for _ in range(line.quantity):
            key = licence_key_new()
            licences.append(
                Licence(
                    product_id=line.product_id,
                    order_item=line,
                    ciphertext=crypto.encrypt(key),
                    fingerprint=crypto.fingerprint(key),
                    activation_limit=terms[line.product_id]["activation_limit"],
                    expires_at=now + timedelta(days=days) if days else None,
                )
            )
    Licence.objects.bulk_create(licences)


# --- the public Licence API ----------------------------------------------------------


def _not_found() -> ApplicationError:
    return ApplicationError(
        "No licence has this key.", code=CatalogErrorCode.LICENCE_NOT_FOUND, status=404
    )


@cache
def _decoy() -> str:
    """A ciphertext to decrypt and compare when no licence matched, so a miss
    costs what a hit does."""
    return crypto.encrypt(f"{KEY_PREFIX}-DECOY-DECOY-DECOY-DECOY")


def _throttle(fingerprint: str, client_ip: str) -> None:
    limits = (
        ("licence-ip", client_ip, settings.LICENCE_API_RATE_PER_ADDRESS),
        ("licence-key", fingerprint, settings.LICENCE_API_RATE_PER_KEY),
    )
    for scope, value, rate in limits:
        if wait := rate_limit_hit(rate_key(scope, value), rate):
            raise ApplicationError(
                "Too many licence requests; try again later.",
                code=CatalogErrorCode.THROTTLED,
                status=429,
                extra={"retry_after": wait},
            )


def _licence_find(key: str, *, client_ip: str, lock: bool) -> Licence:
    """The licence of `key`, locked if `lock`. An unknown, malformed or
    disabled key is the same licence_not_found (404) after the same work: one
    look-up by fingerprint, one decryption, one constant-time comparison."""
    key = key.strip().upper()
    fingerprint = crypto.fingerprint(key)
    _throttle(fingerprint, client_ip)
    queryset = licence_qs_for_update() if lock else Licence.objects.all()
    licence = (
        queryset.select_related("product", "order_item").filter(fingerprint=fingerprint).first()
    )
    stored = licence_key(licence) if licence is not None else crypto.decrypt(_decoy())
    genuine = hmac.compare_digest(stored.encode(), key.encode())
    if licence is None or not genuine or licence.state == State.DISABLED:
        raise _not_found()
    return licence


def licence_data(licence: Licence, *, key: str | None = None, now=None) -> dict:
    """A licence as events and the merchant's API show it: the key masked."""
    return {
        "id": licence.pk,
        "key": licence_key_mask(key or licence_key(licence)),
        "product": {"id": str(licence.product_id), "name": licence.product.name},
        "order_id": str(licence.order_item.order_id),
        "status": licence.status_at(now or timezone.now()),
        "activations": licence.activation_count,
        "activation_limit": licence.activation_limit,
        "expires_at": licence.expires_at.isoformat() if licence.expires_at else None,
    }


def _event(licence: Licence, event_type, **data):
    return event_build(
        merchant_id=licence.product.merchant_id,
        event_type=event_type,
        data={"licence": licence_data(licence)} | data,
    )


def _instance(activation: LicenceActivation) -> dict:
    return {"id": str(activation.pk), "name": activation.instance_name}


@transaction.atomic
def licence_activate(
    *, key: str, instance_name: str, client_ip: str
) -> tuple[Licence, LicenceActivation]:
    """Activate `key` on one more instance. Locks the licence row and counts
    under the lock, so parallel calls never pass the limit:
    activation_limit_reached (409), licence_expired / licence_revoked (409),
    licence_not_found (404), throttled (429)."""
    licence = _licence_find(key, client_ip=client_ip, lock=True)
    status = licence.status_at(timezone.now())
    if status == Status.REVOKED:
        raise ApplicationError(
            "This licence was revoked.",
            code=CatalogErrorCode.LICENCE_REVOKED,
            status=409,
            extra={"reason": licence.reason},
        )
    if status == Status.EXPIRED:
        raise ApplicationError(
            "This licence has expired.", code=CatalogErrorCode.LICENCE_EXPIRED, status=409
        )
    limit = licence.activation_limit
    if limit is not None and licence.activation_count >= limit:
        raise ApplicationError(
            f"This licence is active on {limit} of {limit} instances already; "
            "deactivate one first.",
            code=CatalogErrorCode.ACTIVATION_LIMIT_REACHED,
            status=409,
            extra={"activations": licence.activation_count, "activation_limit": limit},
        )
    activation = LicenceActivation.objects.create(licence=licence, instance_name=instance_name)
    licence.activation_count += 1
    licence.save(update_fields=["activation_count"])
    events_record([_event(licence, LICENCE_ACTIVATED, instance=_instance(activation))])
    return licence, activation


def licence_validate(*, key: str, client_ip: str, instance_id=None) -> dict:
    """{licence, status, valid, instance}: valid while active or not yet
    activated and, when `instance_id` is given, while that instance is still
    activated. licence_not_found (404), throttled (429)."""
    licence = _licence_find(key, client_ip=client_ip, lock=False)
    status = licence.status_at(timezone.now())
    instance = None
    if instance_id is not None:
        instance = licence.activations.filter(pk=instance_id, deactivated_at__isnull=True).first()
    valid = status in (Status.ACTIVE, Status.INACTIVE) and (
        instance_id is None or instance is not None
    )
    return {"licence": licence, "status": status, "valid": valid, "instance": instance}


def _deactivate(licence: Licence, activations: list[LicenceActivation], now) -> None:
    """End these live activations of a locked licence, with one event each."""
    LicenceActivation.objects.filter(pk__in=[a.pk for a in activations]).update(deactivated_at=now)
    licence.activation_count -= len(activations)
    licence.save(update_fields=["activation_count"])
    events_record(
        [_event(licence, LICENCE_DEACTIVATED, instance=_instance(a)) for a in activations]
    )


def _live_activation(licence: Licence, instance_id) -> LicenceActivation:
    activation = licence.activations.filter(pk=instance_id, deactivated_at__isnull=True).first()
    if activation is None:
        raise ApplicationError(
            "This licence is not activated on that instance.",
            code=CatalogErrorCode.ACTIVATION_NOT_FOUND,
            status=404,
        )
    return activation


@transaction.atomic
def licence_deactivate(*, key: str, instance_id, client_ip: str) -> Licence:
    """Free the instance's seat. activation_not_found (404) when it holds none;
    licence_not_found (404), throttled (429)."""
    licence = _licence_find(key, client_ip=client_ip, lock=True)
    _deactivate(licence, [_live_activation(licence, instance_id)], timezone.now())
    return licence


# --- the buyer and the merchant --------------------------------------------------------


def _lock(licence: Licence) -> Licence:
    return licence_qs_for_update().select_related("product", "order_item").get(pk=licence.pk)


@transaction.atomic
def licence_deactivate_instance(*, licence: Licence, instance_id) -> Licence:
    """The buyer's "Deactivate" on the order page (the caller checked the
    licence is theirs). activation_not_found (404)."""
    licence = _lock(licence)
    _deactivate(licence, [_live_activation(licence, instance_id)], timezone.now())
    return licence


@transaction.atomic
def licence_activations_reset(*, licence: Licence) -> Licence:
    """The merchant's "Reset activations": every instance is deactivated."""
    licence = _lock(licence)
    live = list(licence.activations.filter(deactivated_at__isnull=True))
    if live:
        _deactivate(licence, live, timezone.now())
    return licence


def _state_conflict(licence: Licence, wanted: str) -> ApplicationError:
    return ApplicationError(
        f"This licence is {licence.state}"
        + (f" ({licence.get_reason_display().lower()})" if licence.reason else "")
        + f", so it cannot be {wanted}.",
        code=CatalogErrorCode.LICENCE_STATE_CONFLICT,
        status=409,
        extra={"state": licence.state, "reason": licence.reason},
    )


@transaction.atomic
def licence_disable(*, licence: Licence) -> Licence:
    """The merchant's "Disable": the key answers licence_not_found until enabled.
    licence_state_conflict (409) unless active."""
    licence = _lock(licence)
    if licence.state != State.ACTIVE:
        raise _state_conflict(licence, "disabled")
    licence.state, licence.reason, licence.changed_at = (
        State.DISABLED,
        Reason.MERCHANT,
        timezone.now(),
    )
    licence.save(update_fields=["state", "reason", "changed_at"])
    return licence


@transaction.atomic
def licence_enable(*, licence: Licence) -> Licence:
    """Undo the merchant's own "Disable"; a dispute's or a refund's stays
    (licence_state_conflict, 409)."""
    licence = _lock(licence)
    if licence.state != State.DISABLED or licence.reason != Reason.MERCHANT:
        raise _state_conflict(licence, "enabled")
    licence.state, licence.reason, licence.changed_at = State.ACTIVE, "", timezone.now()
    licence.save(update_fields=["state", "reason", "changed_at"])
    return licence


# --- refunds and disputes (orders.services, under the order's lock) -------------------


def licences_revoke(*, lines, reason: str, now) -> None:
    """A fully refunded or charged-back order's keys stop working for good, with
    a licence.revoked event each."""
    licences = list(
        licence_qs_for_update()
        .select_related("product", "order_item")
        .filter(order_item__in=lines)
        .exclude(state=State.REVOKED)
    )
    if not licences:
        return
    Licence.objects.filter(pk__in=[licence.pk for licence in licences]).update(
        state=State.REVOKED, reason=reason, changed_at=now
    )
    for licence in licences:
        licence.state, licence.reason = State.REVOKED, reason
    events_record([_event(licence, LICENCE_REVOKED, reason=reason) for licence in licences])


def licences_withhold(*, lines, now) -> None:
    """An open dispute disables the order's active keys (reason disputed)."""
    Licence.objects.filter(order_item__in=lines, state=State.ACTIVE).update(
        state=State.DISABLED, reason=Reason.DISPUTED, changed_at=now
    )


def licences_restore(*, lines, now) -> None:
    """A won dispute gives back the keys it disabled; the merchant's own
    "Disable" stays."""
    Licence.objects.filter(
        order_item__in=lines, state=State.DISABLED, reason=Reason.DISPUTED
    ).update(state=State.ACTIVE, reason="", changed_at=now)
