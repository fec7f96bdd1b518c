import factory
from django.utils import timezone

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = User.Role.CUSTOMER
    password = factory.django.Password("correct-horse-battery")
    # Verified, as most accounts are: the gates on unverified ones are tested
    # with email_verified_at=None.
    email_verified_at = factory.LazyFunction(timezone.now)


class MerchantFactory(UserFactory):
    role = User.Role.MERCHANT


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True
