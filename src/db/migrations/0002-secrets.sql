-- Secrets that workflows refer to by id (ECS root passwords, per-deployment SSH private keys,
-- license texts on their way to a server), sealed with AES-256-GCM under a key derived from the
-- master key. Workflow history carries only the id.
create table secrets (
  id text primary key,
  purpose text not null,
  sealed text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz
);
create index secrets_expires on secrets (expires_at) where expires_at is not null;
