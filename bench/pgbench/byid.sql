-- GET /v1/complaints/{id}: the pooled connection's reset, BEGIN, the transaction's settings, the caller's staff row,
-- the complaint, its deadlines that apply (not withdrawn), the responses recorded on it or on the duplicates merged into
-- it, its consumer's wrapped key and the ROLLBACK of the read-only transaction in one round trip (a pipeline, as Npgsql
-- writes them: docs/adr/0023, 0026).
-- pgbench -M extended; bench/run checks this against the service. Ids of the generated complaints follow from their
-- number (bench/generate.sql); computed in place between /*<*/ and /*>*/ where the service binds the id.
\set ci random(1, @NCOMPLAINTS@)
\startpipeline
DISCARD ALL;
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL statement_timeout = 30000;
SET LOCAL application_name = 'cms-api/GetComplaint';
SET LOCAL app.tenant_id = '@TENANT@';
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status, COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0) AS reference_stamp FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
SELECT tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed, legal_entity_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/;
SELECT complaint_id, kind, due_at, met_at, paused_at, paused_ms FROM complaint_deadlines WHERE tenant_id = '@TENANT@' AND complaint_id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/ AND withdrawn_at IS NULL;
SELECT tenant_id, id, complaint_id, type, sent_at, recorded_by, recorded_at FROM complaint_responses
WHERE tenant_id = '@TENANT@' AND complaint_id IN (SELECT id FROM complaints WHERE tenant_id = '@TENANT@' AND (id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/ OR merged_into_id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/))
ORDER BY sent_at, id;
SELECT wrapped_key FROM consumer_keys WHERE tenant_id = '@TENANT@' AND consumer_id = (SELECT consumer_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/);
ROLLBACK;
\endpipeline
