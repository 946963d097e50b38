-- What the buyer asked for when starting a deployment (resource choices, and a reference to the
-- ECS password, never the password), so that a second click, or a retry after the API lost the
-- start, starts the very same workflow input again.
alter table deployments add column request jsonb;
