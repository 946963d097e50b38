-- Lists are newest first with a keyset cursor on (created_at, id), per buyer, per seller or all
-- (operators); the idempotency prune deletes by age. Indexes that serve exactly those, so a page
-- or a prune reads what it returns rather than the whole table.
create index orders_buyer_newest on orders (buyer_id, created_at desc, id desc);
create index orders_seller_newest on orders (seller_id, created_at desc, id desc);
create index orders_newest on orders (created_at desc, id desc);
create index licenses_seller_newest on licenses (seller_id, created_at desc, id desc);
create index licenses_order_newest on licenses (order_id, created_at desc, id desc);
create index licenses_newest on licenses (created_at desc, id desc);
create index idempotency_keys_created on idempotency_keys (created_at);
-- Their leading column is what these served; the new ones serve it as well.
drop index orders_buyer;
drop index orders_seller;
drop index licenses_seller;
