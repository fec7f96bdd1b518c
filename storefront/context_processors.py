from storefront.cart import cart_count


def cart_summary(request) -> dict:
    """The item count beside "Cart" in the navigation (no database query)."""
    session = getattr(request, "session", None)
    return {"cart_count": cart_count(session) if session is not None else 0}
