-- Foundation schema: identities and keys, the catalogue, marketplace orders and their service
-- supervision, deployments and their steps, and the audit trail. Ids are text (prefixed
-- random ids made by the application) so that PGlite and PostgreSQL need no extensions.

create table sellers (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now()
);

create table buyers (
  id text primary key,
  -- The marketplace's customer id; orders arrive with it, before the buyer ever logs in.
  marketplace_customer_id text unique,
  name text not null,
  created_at timestamptz not null default now()
);

create table principals (
  id text primary key,
  role text not null check (role in ('buyer', 'seller', 'operator')),
  name text not null,
  seller_id text references sellers (id),
  buyer_id text references buyers (id),
  created_at timestamptz not null default now(),
  check ((role = 'seller') = (seller_id is not null)),
  check ((role = 'buyer') = (buyer_id is not null))
);

create table api_keys (
  id text primary key,
  principal_id text not null references principals (id),
  -- Only a hash of the key is kept; the prefix lets people tell their keys apart.
  key_hash text not null unique,
  prefix text not null,
  name text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table products (
  id text primary key,
  seller_id text not null references sellers (id),
  -- The marketplace's product id: paid orders name it.
  marketplace_product_id text not null unique,
  sku_code text,
  name text not null,
  license_model text not null check (license_model in ('license2', 'license1')),
  install_command text,
  verify_command text,
  install_dir text not null default '/opt/oneclick',
  license_path text,
  ports jsonb not null default '[]',
  variables jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table packages (
  id text primary key,
  product_id text references products (id),
  seller_id text not null references sellers (id),
  sha256 text not null,
  size_bytes bigint not null,
  storage_key text not null,
  file_name text not null,
  created_at timestamptz not null default now()
);
create index packages_product on packages (product_id);

create table orders (
  id text primary key,
  marketplace_order_id text not null,
  order_line_id text not null,
  buyer_id text not null references buyers (id),
  seller_id text not null references sellers (id),
  product_id text not null references products (id),
  sku_code text,
  status text not null check (status in ('active', 'expired', 'unsubscribed')),
  period_type text,
  expire_time timestamptz,
  test_flag boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (marketplace_order_id, order_line_id)
);
create index orders_buyer on orders (buyer_id);
create index orders_seller on orders (seller_id);
create index orders_line on orders (order_line_id);

-- Every marketplace event as received, so a replay is recognised and answered the same way.
create table order_events (
  id text primary key,
  kind text not null check (kind in ('paid', 'renewed', 'unsubscribed', 'expired')),
  marketplace_order_id text not null,
  order_line_id text not null,
  order_id text not null references orders (id),
  body jsonb not null,
  received_at timestamptz not null default now(),
  unique (kind, marketplace_order_id, order_line_id)
);

-- Replay protection for signed marketplace calls; rows older than the timestamp window are
-- useless (such a request is refused for its timestamp) and may be pruned.
create table marketplace_nonces (
  nonce text primary key,
  seen_at timestamptz not null default now()
);

create table supervision_records (
  id text primary key,
  order_id text not null unique references orders (id),
  license_model text not null check (license_model in ('license2', 'license1')),
  state text not null,
  service_start_time timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table supervision_events (
  id bigserial primary key,
  record_id text not null references supervision_records (id),
  from_state text,
  to_state text not null,
  note text,
  at timestamptz not null default now()
);
create index supervision_events_record on supervision_events (record_id, id);

create table deployments (
  id text primary key,
  order_id text not null references orders (id),
  workflow_id text not null,
  run_id text,
  state text not null check (
    state in ('requested', 'network', 'server', 'ssh', 'push', 'install', 'license', 'verify',
              'report', 'succeeded', 'failed', 'cancelled')
  ),
  failure_code text,
  failure_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
-- One active deployment per order: the database says no to a second, whatever the caller does.
create unique index deployments_one_active on deployments (order_id)
  where state not in ('succeeded', 'failed', 'cancelled');

create table deployment_steps (
  deployment_id text not null references deployments (id),
  step text not null,
  status text not null check (status in ('running', 'succeeded', 'failed', 'skipped')),
  attempts integer not null default 1,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  log_tail text,
  primary key (deployment_id, step)
);

-- API requests carrying an Idempotency-Key: the first answer is stored and replayed.
create table idempotency_keys (
  principal_id text not null references principals (id),
  key text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (principal_id, key)
);

-- Hash-chained: each row's hash covers the previous row's hash, so an edited or deleted row
-- breaks the chain from that point on.
create table audit_events (
  seq bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject text not null,
  data jsonb not null default '{}',
  prev_hash text not null,
  hash text not null unique
);
