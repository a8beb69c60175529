--
-- 009_update_from: UPDATE ... FROM and DELETE ... USING.
--
CREATE TABLE stock (sku text PRIMARY KEY, qty int);
CREATE TABLE delivery (sku text, n int);
INSERT INTO stock VALUES ('a', 1), ('b', 2), ('c', 3);
INSERT INTO delivery VALUES ('a', 10), ('c', 30), ('z', 99);
UPDATE stock s SET qty = s.qty + d.n FROM delivery d WHERE d.sku = s.sku RETURNING s.sku, s.qty, d.n;
SELECT * FROM stock ORDER BY sku;
DELETE FROM stock USING delivery WHERE delivery.sku = stock.sku AND delivery.n > 20 RETURNING stock.*;
SELECT * FROM stock ORDER BY sku;
UPDATE stock SET qty = 0 FROM delivery WHERE false;
DROP TABLE stock, delivery;
