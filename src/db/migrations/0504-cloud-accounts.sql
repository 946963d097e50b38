-- Buyers' linked Huawei Cloud accounts (issue 12): an IAM agency delegating to OneClick's account,
-- or a sub-user's AK/SK. The whole secret (agency or AK/SK) is sealed in `secrets`; this row keeps
-- only what is shown: the masked display fields, the region the link was checked against and the
-- project id learnt there. The account belongs to the buyer (every principal of that buyer sees
-- it, as with orders); `created_by` says which principal linked it.
create table cloud_accounts (
  id text primary key,
  buyer_id text not null references buyers (id),
  created_by text not null references principals (id),
  name text not null,
  kind text not null check (kind in ('agency', 'aksk')),
  secret_ref text not null references secrets (id),
  -- Not secret: domainName / domainId / agencyName, or the AK masked (first 4 + **** + last 4).
  display jsonb not null,
  region text not null,
  project_id text not null,
  domain_id text,
  created_at timestamptz not null default now(),
  unique (buyer_id, name)
);
-- The buyer's list, newest first (keyset paging).
create index cloud_accounts_buyer on cloud_accounts (buyer_id, created_at desc, id desc);
