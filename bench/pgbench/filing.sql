-- POST /v1/complaints: the statements the service sends for a filing, in its transaction and order, as PostgreSQL logs
-- them (bench/run compares this script's log with the service's, bench/statements.py, and stops when they differ), in
-- the service's round trips (docs/adr/0011). Run with pgbench -M extended: every :variable is a bind parameter, as Npgsql
-- sends them. The service's parameters that are the same in every filing are literals here (@...@, substituted by
-- bench/run); a value the service computes itself (a new id, a timestamp, a hash, sealed text, the reference) is
-- computed in place between /*<*/ and /*>*/, which the comparison reads as a parameter. The three round trips of a
-- filing with the tenant's reference data in the service's cache (the common case):
--   1. a pipeline, as Npgsql writes it: the pooled connection's reset, BEGIN, the transaction's settings and the
--      caller's staff row with the tenant's status and reference stamp (taxonomies, legal entity, clock: cached);
--   2. the consumer with their wrapped key;
--   3. a pipeline: the writes (the complaint, its keywords with their check against an erasure meanwhile, its
--      deadlines in one statement, its legal entity, the audit entry with its own HMAC, the change event into the
--      outbox) and COMMIT.
\set ci random(1, @NCONSUMERS@)
\set r1 random(1, 140737488355327)
\set r2 random(1, 140737488355327)
\set r3 random(1, 140737488355327)
\startpipeline
DISCARD ALL;
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL statement_timeout = 30000;
SET LOCAL application_name = 'cms-api/FileComplaint';
SET LOCAL app.tenant_id = '@TENANT@';
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status, COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0) AS reference_stamp FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
\endpipeline
SELECT c.id, k.wrapped_key FROM consumers c
LEFT JOIN consumer_keys k ON k.tenant_id = c.tenant_id AND k.consumer_id = c.id
WHERE c.tenant_id = '@TENANT@' AND c.id = /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/;
\startpipeline
INSERT INTO complaints (tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/'CMP-' || extract(year FROM now() AT TIME ZONE 'UTC') || '-' || ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint % 100000000 * 1000 + :r3::bigint % 1000)/*>*/, /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/, 'web', 'normal', '@PROFILE@', '@PROFILE_VERSION@', /*<*/now()/*>*/, 'current_account', NULL, 'fees', NULL, /*<*/'v1:' || md5(:r1::text) || md5(:r2::text)/*>*/, 'f', 'f', 'f', 'f', 'f', NULL, NULL, 'f', 'f', 'received', NULL, NULL, /*<*/now()/*>*/, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, /*<*/now() + interval '56 days'/*>*/, 'final_response', /*<*/now()/*>*/, '1', 't');
INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash) SELECT '@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, w.id, CASE WHEN (SELECT k.erased_at FROM consumers k WHERE k.tenant_id = '@TENANT@' AND k.id = /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/) IS NULL THEN w.word_hash END FROM unnest(/*<*/ARRAY[(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 1::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 2::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 3::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 4::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 5::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 6::bigint), 16, '0'))::uuid]/*>*/::uuid[], /*<*/ARRAY[md5(:r1::text || '0'), md5(:r1::text || '1'), md5(:r1::text || '2'), md5(:r1::text || '3'), md5(:r1::text || '4'), md5(:r1::text || '5')]/*>*/::text[]) AS w(id, word_hash);
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'summary_resolution', /*<*/now() + interval '3 days'/*>*/, NULL, NULL, '0', NULL), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'final_response', /*<*/now() + interval '56 days'/*>*/, NULL, NULL, '0', NULL)
ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
    paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL;
UPDATE complaints SET legal_entity_id = '@TENANT@' WHERE tenant_id = '@TENANT@' AND id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/;
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, changed_values, entry_hmac, seq, prev_hash, hash)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2::bigint), 16, '0'))::uuid/*>*/, /*<*/now()/*>*/, 'staff', '@STAFFID@', 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines","legalEntityId"]', '0af7651916cd43dd8448eb211c80319c', NULL,
        /*<*/md5(:r2::text) || md5(:r1::text)/*>*/, '0', '', '');
INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r3::bigint), 16, '0'))::uuid/*>*/, 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '1', '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines","legalEntityId"]', /*<*/now()/*>*/);
COMMIT;
\endpipeline
