-- The physical limit of a filing on this machine: the filing's writes alone (the complaint, its two deadlines, the audit
-- entry with its own HMAC, the change event into the outbox), exactly as the service writes them (bench/pgbench/
-- filing.sql, checked against the service's log), in ONE pipeline with BEGIN, the tenant setting and COMMIT: one round
-- trip, no reads. bench/run: write_ratio = filings/s over HTTP / this script's tps at the same concurrency.
\set ci random(1, @NCONSUMERS@)
\set r1 random(1, 140737488355327)
\set r2 random(1, 140737488355327)
\set r3 random(1, 140737488355327)
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL app.tenant_id = '@TENANT@';
INSERT INTO complaints (tenant_id, id, reference, consumer_id, channel, product, category, description, priority, vulnerability_involved, payment_services, disability, profile_code, status, assignee_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, profile_version, created_at, updated_at, version, product_taxonomy_version, category_taxonomy_version, root_cause_taxonomy_version, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, closure_band, merged_into_id, provisional_credit_at, queue_id) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/'CMP-' || extract(year FROM now() AT TIME ZONE 'UTC') || '-' || ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint % 100000000 * 1000 + :r3::bigint % 1000)/*>*/, /*<*/('{@CONSUMERS@}'::uuid[])[:ci::int]/*>*/, 'web', 'current_account', 'fees', 'Charged twice for the same transfer.', 'normal', 'f', 'f', 'f', '@PROFILE@', 'received', NULL, /*<*/now()/*>*/, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, /*<*/now() + interval '56 days'/*>*/, 'final_response', '@PROFILE_VERSION@', /*<*/now()/*>*/, /*<*/now()/*>*/, '1', NULL, NULL, NULL, 'f', 'f', 'f', 'f', NULL, NULL, NULL, NULL, NULL);
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'summary_resolution', /*<*/now() + interval '3 days'/*>*/, NULL, NULL, '0', NULL)
ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
    paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL;
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, 'final_response', /*<*/now() + interval '56 days'/*>*/, NULL, NULL, '0', NULL)
ON CONFLICT (tenant_id, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at, met_at = excluded.met_at,
    paused_at = excluded.paused_at, paused_ms = excluded.paused_ms, withdrawn_at = NULL;
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, entry_hmac, seq, prev_hash, hash)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2::bigint), 16, '0'))::uuid/*>*/, /*<*/now()/*>*/, 'staff', '@STAFFID@', 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines"]', '0af7651916cd43dd8448eb211c80319c',
        /*<*/md5(:r2::text) || md5(:r1::text)/*>*/, '0', '', '');
INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r3::bigint), 16, '0'))::uuid/*>*/, 'complaint.filed', 'complaint', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, '1', '["reference","consumerId","channel","product","category","description","priority","receivedAt","deadlines"]', /*<*/now()/*>*/);
COMMIT;
\endpipeline
