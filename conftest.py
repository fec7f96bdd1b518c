import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import AdminFactory, MerchantFactory, UserFactory
from events.tests.receiver import Receiver
from payments.tests.worker import BROKERS, broker_reachable

PASSWORD = "correct-horse-battery"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://...")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, so throttles and cached pages never leak."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def customer_client(customer):
    return client_for(customer)


@pytest.fixture
def merchant_client(merchant):
    return client_for(merchant)


@pytest.fixture
def admin_client_api(admin_user):
    return client_for(admin_user)


def run_in_threads(target, args_list):
    """Run target(*args) in one thread per args, all released at the same moment.

    Each thread uses its own database connection and closes it. Returns the
    results in order; an exception is returned in place of a result.
    """
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def worker(index, args):
        try:
            barrier.wait(timeout=10)
            results[index] = target(*args)
        except Exception as exc:  # the caller asserts on what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request):
    """The Celery broker URL a real-worker test runs against, once for each."""
    url = dict(zip(["redis", "rabbitmq"], BROKERS, strict=True))[request.param]
    if not broker_reachable(url):
        pytest.skip(f"no broker at {url} (CI starts RabbitMQ and Redis)")
    return url


@pytest.fixture
def receiver():
    """A merchant's webhook receiver on 127.0.0.1 answering 200 to everything."""
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def make_receiver():
    """make_receiver([500, 500], delay=..., body=..., headers=...): receivers
    answering those statuses first, then 200."""
    started = []

    def make(*args, **kwargs) -> Receiver:
        started.append(Receiver(*args, **kwargs).start())
        return started[-1]

    yield make
    for one in started:
        one.stop()
