-- License engine: signing keys, generators, licenses (2.0 codes and 1.0 documents), rebind history,
-- open-API credentials for sellers' software, generator health and calls to sellers' endpoints.

-- Signing keys of the platform (seller_id null) and of sellers. The private key is sealed under a
-- key derived from the master keyring; the public key is published while the key is not retired.
create table license_signing_keys (
  kid text primary key,
  seller_id text references sellers (id),
  alg text not null check (alg in ('EdDSA', 'RS256', 'PS256')),
  public_key_pem text not null,
  sealed_private_key text not null,
  -- active: signs and verifies; retiring: verifies only (rotation); retired: neither.
  status text not null check (status in ('active', 'retiring', 'retired')),
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
-- One signing key per owner at a time: rotation is one transaction that demotes then promotes.
create unique index license_signing_keys_one_active
  on license_signing_keys ((coalesce(seller_id, '')))
  where status = 'active';

create table license_generators (
  id text primary key,
  seller_id text not null references sellers (id),
  kind text not null check (kind in ('built-in', 'remote')),
  name text not null,
  -- built-in: features and validity of the licenses it issues
  template jsonb not null default '{}',
  -- remote: KooGallery-contract endpoint and its access key (sealed)
  endpoint_url text,
  sealed_access_key text,
  -- pending: registered, conformance not passed; active; failing: probe failed; disabled
  status text not null check (status in ('pending', 'active', 'failing', 'disabled')),
  last_check jsonb,
  last_checked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((kind = 'remote') = (endpoint_url is not null and sealed_access_key is not null))
);
create index license_generators_seller on license_generators (seller_id);

-- Every conformance run and probe, for the seller's and operator's health views.
create table license_generator_checks (
  id bigserial primary key,
  generator_id text not null references license_generators (id),
  passed boolean not null,
  report jsonb not null,
  at timestamptz not null default now()
);
create index license_generator_checks_generator on license_generator_checks (generator_id, id);

-- Which generator licenses a product, and the product's license rules.
create table product_license_settings (
  product_id text primary key references products (id),
  generator_id text references license_generators (id),
  grace_days integer not null default 15 check (grace_days between 0 and 15),
  retention_days integer not null default 30 check (retention_days between 0 and 365),
  rebind_limit integer not null default 3 check (rebind_limit between 0 and 100),
  rebind_window_days integer not null default 30 check (rebind_window_days between 1 and 365)
);

create table licenses (
  id text primary key,
  -- One license per order line: issuing twice gives back the first.
  order_id text not null unique references orders (id),
  seller_id text not null references sellers (id),
  model text not null check (model in ('license2', 'license1')),
  generator_id text references license_generators (id),
  -- License 2.0: the code, hashed for lookup and sealed for display.
  code_hash text unique,
  sealed_code text,
  -- issued → claimed → ALIVE → FROZEN → RELEASED (KooGallery's names for the last three)
  status text not null check (status in ('issued', 'claimed', 'ALIVE', 'FROZEN', 'RELEASED')),
  claimed_at timestamptz,
  activated_at timestamptz,
  expires_at timestamptz,
  -- License 1.0: the current binding.
  fingerprint text,
  document text,
  kid text references license_signing_keys (kid),
  features jsonb not null default '{}',
  revoked_at timestamptz,
  revoke_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((model = 'license2') = (code_hash is not null))
);
create index licenses_seller on licenses (seller_id);
create index licenses_revoked on licenses (revoked_at) where revoked_at is not null;

-- License 1.0 bindings, newest last: the rebind limit counts rows in the window.
create table license_bindings (
  id bigserial primary key,
  license_id text not null references licenses (id),
  fingerprint text not null,
  document text not null,
  kid text references license_signing_keys (kid),
  remote_event_id text,
  remote_license_sha256 text,
  bound_at timestamptz not null default now()
);
create index license_bindings_license on license_bindings (license_id, id);

-- AK/SK pairs sellers' software signs open-API calls with (SDK-HMAC-SHA256).
create table license_api_credentials (
  ak text primary key,
  seller_id text not null references sellers (id),
  sealed_sk text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Calls made to sellers' lifecycle endpoints, as KooGallery's "production interface messages".
create table license_seller_calls (
  id bigserial primary key,
  license_id text not null references licenses (id),
  activity text not null,
  attempt integer not null,
  result_code text,
  error_code text,
  at timestamptz not null default now()
);
create index license_seller_calls_license on license_seller_calls (license_id, id);
