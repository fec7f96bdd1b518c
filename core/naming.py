from rest_framework.views import get_view_name


def view_name(view) -> str:
    """DRF's name for a view (browsable API heading, OPTIONS), without Kassa's
    "Api" class-name suffix: "Wallet Deposit", not "Wallet Deposit Api"."""
    return get_view_name(view).removesuffix(" Api")
