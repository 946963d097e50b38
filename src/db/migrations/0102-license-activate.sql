-- License 2.0 activation, the open API's hot path, as one PL/pgSQL function: one round trip,
-- locks held for one statement only, and a plan PostgreSQL keeps per connection (planning this
-- statement costs as much as running it). What it does is documented at its caller,
-- src/license/license-code-service.ts (activate); the audit body text it builds must stay equal
-- to auditBodyText() of the event in src/license/audit-chain.ts.
create function license_activate(
  p_code_hash text,
  p_seller_id text,
  p_effective timestamptz,
  p_actor text,
  p_at text
) returns table (
  id text,
  seller_id text,
  status text,
  revoked_at timestamptz,
  marketplace_order_id text,
  marketplace_product_id text,
  new_expires_at timestamptz,
  activated boolean
) language plpgsql as $fn$
#variable_conflict use_column
begin
  return query
    with cand as (
      select l.id, l.seller_id, l.status, l.revoked_at, o.created_at as order_created_at,
             o.marketplace_order_id, p.marketplace_product_id
        from licenses l join orders o on o.id = l.order_id join products p on p.id = o.product_id
       where l.code_hash = p_code_hash
       for update of l),
    lic as (
      update licenses set status = 'ALIVE', activated_at = p_effective, updated_at = now()
        from cand
       where licenses.id = cand.id and cand.seller_id = p_seller_id and cand.status = 'claimed'
         and cand.revoked_at is null and p_effective >= cand.order_created_at - interval '1 second'
      returning licenses.id, licenses.order_id, licenses.expires_at),
    sup as (
      update supervision_records s set state = 'activated', service_start_time = p_effective, updated_at = now()
        from lic where s.order_id = lic.order_id and s.state = 'code_claimed'
      returning s.id),
    ev as (
      insert into supervision_events (record_id, from_state, to_state, note)
      select id, 'code_claimed', 'activated', 'authorization code activated' from sup),
    body as (
      select id, '{"action":"license.activated","actor":' || to_json(p_actor)::text
             || ',"at":' || to_json(p_at)::text || ',"data":{},"subject":' || to_json(id)::text
             || '}' as text
        from lic),
    head as (
      update audit_head
         set prev = audit_head.hash,
             hash = encode(sha256(convert_to(audit_head.hash || chr(10) || body.text, 'UTF8')), 'hex')
        from body where audit_head.id = 1
      returning audit_head.prev, audit_head.hash),
    aud as (
      insert into audit_events (at, actor, action, subject, data, prev_hash, hash)
      select p_at::timestamptz, p_actor, 'license.activated', body.id, '{}'::jsonb, head.prev, head.hash
        from head, body)
    select cand.id, cand.seller_id, cand.status, cand.revoked_at, cand.marketplace_order_id,
           cand.marketplace_product_id, lic.expires_at as new_expires_at, lic.id is not null as activated
      from cand left join lic on lic.id = cand.id;
end
$fn$;
