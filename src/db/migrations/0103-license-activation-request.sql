-- An activation repeated after a lost reply (issue 10): the activation request is kept with the
-- license, so that the same request again answers success with the same data instead of
-- 92020003. KooGallery's activate carries no machine or instance data, only the code and
-- real_effect_time, so the request kept is { real_effect_time, at } (see
-- src/license/license-code-service.ts, activate). license_activate takes it and stores it with
-- the activation, and answers the request stored before this call and the license's expiry, so
-- that its caller can tell a repeat in the same single round trip.
alter table licenses add column activation_request jsonb;

drop function license_activate(text, text, timestamptz, text, text);

create function license_activate(
  p_code_hash text,
  p_seller_id text,
  p_effective timestamptz,
  p_actor text,
  p_at text,
  p_request jsonb
) returns table (
  id text,
  seller_id text,
  status text,
  revoked_at timestamptz,
  marketplace_order_id text,
  marketplace_product_id text,
  new_expires_at timestamptz,
  activated boolean,
  expires_at timestamptz,
  activation_request jsonb
) language plpgsql as $fn$
#variable_conflict use_column
begin
  return query
    with cand as (
      select l.id, l.seller_id, l.status, l.revoked_at, l.expires_at, l.activation_request,
             o.created_at as order_created_at, o.marketplace_order_id, p.marketplace_product_id
        from licenses l join orders o on o.id = l.order_id join products p on p.id = o.product_id
       where l.code_hash = p_code_hash
       for update of l),
    lic as (
      update licenses set status = 'ALIVE', activated_at = p_effective,
             activation_request = p_request, updated_at = now()
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
           cand.marketplace_product_id, lic.expires_at as new_expires_at, lic.id is not null as activated,
           cand.expires_at, cand.activation_request
      from cand left join lic on lic.id = cand.id;
end
$fn$;
