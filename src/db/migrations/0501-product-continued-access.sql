-- A product may declare that its seller needs SSH access to the buyer's server after delivery
-- (support, updates) for a number of days: OneClick then keeps its per-deployment key on the
-- server and sealed in its secret store until then, instead of removing it at delivery.
alter table products add column continued_access_days integer
  check (continued_access_days between 1 and 365);
