-- The minimal purchase's tables, in their own schema of the scratch database.
DROP SCHEMA IF EXISTS pgb CASCADE;
CREATE SCHEMA pgb;
CREATE TABLE pgb.stock (product_id int PRIMARY KEY, available bigint NOT NULL CHECK (available >= 0));
CREATE TABLE pgb.wallet (id int PRIMARY KEY, balance bigint NOT NULL);
CREATE TABLE pgb.orders (id bigserial PRIMARY KEY, buyer_id int NOT NULL, product_id int NOT NULL,
                         total bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE pgb.ledger (id bigserial PRIMARY KEY, order_id bigint NOT NULL, wallet_id int NOT NULL,
                         amount bigint NOT NULL, balance_after bigint NOT NULL);
INSERT INTO pgb.stock VALUES (1, 1000000000);
-- wallet 1 is the merchant; 2..65 are buyers.
INSERT INTO pgb.wallet SELECT g, CASE WHEN g = 1 THEN 0 ELSE 1000000000000 END FROM generate_series(1, 65) g;
