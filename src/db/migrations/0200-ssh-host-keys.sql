-- SSH host keys pinned per server at first contact (issue 4). A later connection presenting
-- another key stops the deployment with HOST_KEY_MISMATCH. server_id is the cloud server id
-- (or the buyer's server id) the deployment talks to.
create table if not exists ssh_host_keys (
  server_id text primary key,
  fingerprint text not null,
  first_seen_at timestamptz not null default now()
);
