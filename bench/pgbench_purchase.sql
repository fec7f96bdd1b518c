-- One purchase of the hot product, the least a correct checkout must do:
-- lock the stock row, debit the buyer, credit the merchant, record the order
-- and two ledger rows. Wallets first, then stock, as Kassa locks them.
\set buyer random(2, 65)
BEGIN;
UPDATE pgb.wallet SET balance = balance - 1000 WHERE id = :buyer AND balance >= 1000 RETURNING balance \gset buyer_
UPDATE pgb.wallet SET balance = balance + 1000 WHERE id = 1 RETURNING balance \gset merchant_
UPDATE pgb.stock SET available = available - 1 WHERE product_id = 1 AND available >= 1;
INSERT INTO pgb.orders (buyer_id, product_id, total) VALUES (:buyer, 1, 1000) RETURNING id \gset order_
INSERT INTO pgb.ledger (order_id, wallet_id, amount, balance_after)
  VALUES (:order_id, :buyer, -1000, :buyer_balance), (:order_id, 1, 1000, :merchant_balance);
COMMIT;
