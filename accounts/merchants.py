"""What a merchant may do in the Django admin: the Merchants group's permissions.
The admin pages then scope every list to the merchant's own rows. Plain data, so
the migration that first made the group can read it too."""

GROUP = "Merchants"
PERMISSIONS = [
    # (app label, model, actions)
    ("catalog", "product", ["add", "change", "view"]),
    ("catalog", "stock", ["view"]),
    ("catalog", "stockmovement", ["view"]),
    ("orders", "order", ["change", "view"]),  # change: the fulfil and refund actions
    ("orders", "orderitem", ["view"]),
    ("orders", "orderevent", ["view"]),
    ("payments", "checkout", ["view"]),
    ("payments", "payment", ["view"]),
    ("payments", "paymentattempt", ["view"]),
    ("payments", "paymentrefund", ["view"]),
]


def codenames() -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, model, actions in PERMISSIONS for action in actions]
