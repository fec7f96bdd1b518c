from accounts.models import User


def user_email_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=User.objects.normalize_email(email)).exists()
