"""How large one order may be: the checkout service enforces both, and the API,
the cart and the forms offer no more than they allow."""

# Units of one product in one order.
MAX_QUANTITY = 100
# Different products in one order (and so in one cart).
MAX_LINES = 50
# Characters of the code or message a merchant's "Fulfil" gives the buyer.
MAX_FULFILMENT_NOTE = 2000
