import pytest

from accounts.tests.factories import UserFactory
from wallets.tests.factories import funded_wallet


@pytest.fixture
def buyer():
    """A customer with 1,000.00 in their wallet."""
    user = UserFactory()
    funded_wallet(user, 100_000)
    return user
