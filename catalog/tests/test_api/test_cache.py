from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings

from catalog.tests.factories import ProductFactory
from conftest import client_for
from core.tests.test_health import DEAD_REDIS

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/v1/products"


def test_list_is_served_from_cache_on_the_second_read(api_client, django_assert_num_queries):
    ProductFactory()
    api_client.get(LIST)

    with django_assert_num_queries(0):
        response = api_client.get(LIST)

    assert response.json()["count"] == 1


def test_detail_is_served_from_cache_on_the_second_read(api_client, django_assert_num_queries):
    product = ProductFactory()
    api_client.get(f"{LIST}/{product.pk}")

    with django_assert_num_queries(0):
        assert api_client.get(f"{LIST}/{product.pk}").status_code == 200


def test_price_change_is_visible_at_once(api_client, merchant):
    product = ProductFactory(merchant=merchant, price=1000)
    api_client.get(LIST)
    api_client.get(f"{LIST}/{product.pk}")

    client_for(merchant).patch(f"{LIST}/{product.pk}", {"price": 1500})

    assert api_client.get(LIST).json()["results"][0]["price"] == 1500
    assert api_client.get(f"{LIST}/{product.pk}").json()["price"] == 1500


def test_stock_change_create_and_delete_are_visible_at_once(api_client, merchant):
    product = ProductFactory(merchant=merchant, stock=5)
    assert api_client.get(LIST).json()["results"][0]["stock"] == 5

    client_for(merchant).patch(f"/api/v1/inventory/{product.pk}", {"adjust": -2})
    assert api_client.get(LIST).json()["results"][0]["stock"] == 3

    ProductFactory(merchant=merchant)
    assert api_client.get(LIST).json()["count"] == 2

    client_for(merchant).delete(f"{LIST}/{product.pk}")
    assert api_client.get(LIST).json()["count"] == 1
    assert api_client.get(f"{LIST}/{product.pk}").status_code == 404


def test_catalog_is_served_from_the_database_when_redis_is_down(api_client):
    product = ProductFactory()

    with override_settings(CACHES=DEAD_REDIS, DJANGO_REDIS_IGNORE_EXCEPTIONS=True):
        listing = api_client.get(LIST)
        detail = api_client.get(f"{LIST}/{product.pk}")

    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert detail.status_code == 200


def test_a_rolled_back_write_does_not_invalidate(api_client, merchant):
    from catalog import cache as catalog_cache

    product = ProductFactory(merchant=merchant)
    api_client.get(LIST)
    with mock.patch.object(catalog_cache.cache, "set", wraps=catalog_cache.cache.set) as cache_set:
        response = client_for(merchant).patch(f"/api/v1/inventory/{product.pk}", {"adjust": -99})

    assert response.status_code == 409
    assert not any(call.args[0] == catalog_cache.VERSION_KEY for call in cache_set.call_args_list)


def test_a_parameter_value_cannot_pass_itself_off_as_another_query(api_client):
    ProductFactory(name="Gift card TAG")
    ProductFactory(name="Licence key")
    poisoned = api_client.get(f"{LIST}?ordering=price%26q%3DTAG")  # ordering="price&q=TAG"

    searched = api_client.get(f"{LIST}?ordering=price&q=TAG")

    assert poisoned.json()["count"] == 2  # an unknown ordering is ignored
    assert [p["name"] for p in searched.json()["results"]] == ["Gift card TAG"]


@pytest.mark.parametrize("method", ["head", "options"])
def test_the_public_catalog_answers_head_and_options_like_get(api_client, method):
    product = ProductFactory()

    for url in (LIST, f"{LIST}/{product.pk}"):
        response = getattr(api_client, method)(url)
        assert response.status_code == 200, (url, response.status_code)


def test_a_json_hit_is_answered_before_drf_with_the_same_bytes(api_client):
    ProductFactory(name="Fast path card")
    through_drf = api_client.get(LIST)  # a miss: built by the DRF view and stored

    with mock.patch("catalog.api._product_list_api") as drf_view:
        hit = api_client.get(LIST)
    browsable = api_client.get(LIST, HTTP_ACCEPT="text/html")

    drf_view.assert_not_called()
    assert hit.status_code == 200
    assert hit.content == through_drf.content
    assert hit["Content-Type"] == "application/json"
    assert "Fast path card" in browsable.content.decode()  # the browsable API still renders


@pytest.mark.skipif(not settings.REDIS_URL, reason="counts round trips to Redis: set REDIS_URL")
def test_a_cache_hit_costs_one_round_trip_to_redis(api_client):
    from catalog import cache as catalog_cache

    ProductFactory()
    api_client.get(LIST)

    with (
        mock.patch.object(
            catalog_cache.cache, "get_many", wraps=catalog_cache.cache.get_many
        ) as many,
        mock.patch.object(catalog_cache.cache, "get", wraps=catalog_cache.cache.get) as single,
    ):
        api_client.get(LIST)

    assert many.call_count == 1
    assert single.call_count == 0
