-- The operators' deployment list (console and GET /v1/deployments/recorded) pages newest first,
-- over all deployments or one order's, and filters on the order's product: without these each
-- page sorts the whole table.
create index deployments_newest on deployments (created_at desc, id desc);
create index deployments_order_newest on deployments (order_id, created_at desc, id desc);
create index orders_product on orders (product_id);
