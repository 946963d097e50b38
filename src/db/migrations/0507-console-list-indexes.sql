-- The operators' console lists: principals newest first with their keys, the audit log by
-- subject or actor, generators newest first, and the charts' time windows over deployments
-- and their steps.
create index principals_newest on principals (created_at desc, id desc);
create index api_keys_principal on api_keys (principal_id);
create index audit_events_subject on audit_events (subject, seq);
create index audit_events_actor on audit_events (actor, seq);
create index license_generators_newest on license_generators (created_at desc, id desc);
create index deployment_steps_started on deployment_steps (started_at);
