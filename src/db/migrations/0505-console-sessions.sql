-- Console sign-in (issue 13): a browser that signed in with an API key holds a random session
-- token in an HttpOnly cookie; only its hash is kept here, with the key's hash (revoking the key
-- ends every session it opened), the CSRF token its forms carry, and an absolute expiry. Kept in
-- the database, not in a node's memory, so any API node serves any signed-in browser.
create table console_sessions (
  token_hash text primary key,
  key_hash text not null references api_keys (key_hash) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index console_sessions_expiry on console_sessions (expires_at);
