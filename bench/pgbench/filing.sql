-- POST /v1/complaints: the statements the service sends for a filing, in its transaction and order, as PostgreSQL logs
-- them (bench/run compares this script's log with the service's, bench/statements.py, and stops when they differ).
-- Run with pgbench -M extended: every :variable is a bind parameter, as Npgsql sends them. The service's parameters that
-- are the same in every filing are literals here (@...@, substituted by bench/run); a value the service computes
-- itself (a new id, a timestamp, a hash, the reference) is computed in place between /*<*/ and /*>*/, which the
-- comparison reads as a parameter. First round trip (a pipeline, as Npgsql writes it): the pooled connection's reset,
-- BEGIN, the transaction's settings and the caller's staff row; then one round trip per statement, then COMMIT.
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
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
\endpipeline
SELECT COUNT(*) FROM consumers WHERE tenant_id = '@TENANT@' AND id = /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/;
SELECT t.version, e.code
FROM taxonomies t
LEFT JOIN taxonomy_entries e
       ON e.tenant_id = t.tenant_id AND e.kind = t.kind AND e.version = t.version AND e.code = 'current_account'
WHERE t.tenant_id = '@TENANT@' AND t.kind = 'product'
ORDER BY t.version DESC
LIMIT 1;
SELECT t.version, e.code
FROM taxonomies t
LEFT JOIN taxonomy_entries e
       ON e.tenant_id = t.tenant_id AND e.kind = t.kind AND e.version = t.version AND e.code = 'fees'
WHERE t.tenant_id = '@TENANT@' AND t.kind = 'category'
ORDER BY t.version DESC
LIMIT 1;
SELECT tenant_id, id, created_at, name, firm_reference_number, permissions, updated_at, version FROM legal_entities WHERE tenant_id = '@TENANT@' AND id = '@TENANT@';
SELECT id, name, sector, jurisdiction, created_at, status, status_reason, status_changed_at FROM tenants WHERE id = '@TENANT@';
SELECT day FROM tenant_closure_days WHERE tenant_id = '@TENANT@' AND active = 't' AND day >= /*<*/(now() AT TIME ZONE 'UTC')::date/*>*/ AND day <= /*<*/(now() AT TIME ZONE 'UTC')::date + 731/*>*/;
SELECT tenant_id, internal_sla_amount, internal_sla_unit, at_risk_days, updated_at FROM tenant_clock_settings WHERE tenant_id = '@TENANT@';
SELECT wrapped_key FROM consumer_keys WHERE tenant_id = '@TENANT@' AND consumer_id = /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/;
INSERT INTO complaints (tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/'CMP-' || extract(year FROM now() AT TIME ZONE 'UTC') || '-' || ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint % 100000000 * 1000 + :r3::bigint % 1000)/*>*/, /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/, 'web', 'normal', '@PROFILE@', '@PROFILE_VERSION@', /*<*/now()/*>*/, 'current_account', NULL, 'fees', NULL, /*<*/'v1:' || encode(decode(md5(:r1::text) || md5(:r2::text) || md5(:r3::text) || md5(:ci::text), 'hex'), 'base64')/*>*/, 'f', 'f', 'f', 'f', 'f', NULL, NULL, 'f', 'f', 'received', NULL, NULL, /*<*/now()/*>*/, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, /*<*/now() + interval '56 days'/*>*/, 'final_response', /*<*/now()/*>*/, '1', 't');
INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 1)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '1')::bytea), 'hex')/*>*/), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 2)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '2')::bytea), 'hex')/*>*/), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 3)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '3')::bytea), 'hex')/*>*/), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 4)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '4')::bytea), 'hex')/*>*/), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 5)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '5')::bytea), 'hex')/*>*/), ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex((:r2::bigint + 6)), 16, '0'))::uuid/*>*/, /*<*/encode(sha256(('@TENANT@' || '6')::bytea), 'hex')/*>*/);
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'summary_resolution', /*<*/now() + interval '3 days'/*>*/, NULL, NULL, '0', NULL)
ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
    paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL;
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'final_response', /*<*/now() + interval '56 days'/*>*/, NULL, NULL, '0', NULL)
ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
    paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL;
UPDATE complaints SET legal_entity_id = '@TENANT@' WHERE tenant_id = '@TENANT@' AND id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/;
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, changed_values, entry_hmac, seq, prev_hash, hash)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2::bigint), 16, '0'))::uuid/*>*/, /*<*/now()/*>*/, 'staff', '@STAFFID@', 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines","legalEntityId"]', '0af7651916cd43dd8448eb211c80319c', NULL,
        /*<*/md5(:r2::text) || md5(:r1::text)/*>*/, '0', '', '');
INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r3::bigint), 16, '0'))::uuid/*>*/, 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '1', '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines","legalEntityId"]', /*<*/now()/*>*/);
SELECT tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed, legal_entity_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/;
SELECT complaint_id, kind, due_at, met_at, paused_at, paused_ms FROM complaint_deadlines WHERE tenant_id = '@TENANT@' AND complaint_id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/ AND withdrawn_at IS NULL;
SELECT tenant_id, id, complaint_id, type, sent_at, recorded_by, recorded_at FROM complaint_responses
WHERE tenant_id = '@TENANT@' AND complaint_id IN (SELECT id FROM complaints WHERE tenant_id = '@TENANT@' AND (id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/ OR merged_into_id = /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/))
ORDER BY sent_at, id;
COMMIT;
