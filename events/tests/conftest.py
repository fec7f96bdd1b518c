import pytest

from events.services import webhook_endpoint_create
from events.tests.receiver import Receiver


@pytest.fixture
def receiver():
    """A receiver that answers 200 to everything; make_receiver for others."""
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def make_receiver():
    started = []

    def make(*args, **kwargs) -> Receiver:
        started.append(Receiver(*args, **kwargs).start())
        return started[-1]

    yield make
    for one in started:
        one.stop()


def endpoint_for(merchant, receiver, event_types=("*",)):
    """An endpoint of `merchant` pointing at `receiver`, and its secret."""
    return webhook_endpoint_create(
        merchant=merchant, url=receiver.url, event_types=list(event_types)
    )
