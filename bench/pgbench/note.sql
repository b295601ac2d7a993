-- POST /v1/complaints/{id}/notes: the statements the service sends for one note, in its transaction, order and round
-- trips (docs/adr/0011), checked against the service's log like filing.sql (bench/statements.py). Three round trips:
--   1. a pipeline: the pooled connection's reset, BEGIN, the transaction's settings and the caller's staff row;
--   2. a pipeline: the complaint (not locked: notes do not conflict), its deadlines, its responses and its consumer's
--      wrapped key;
--   3. a pipeline: the note (its body sealed), its keyword rows (written cleared if the consumer was erased meanwhile:
--      ComplaintKeywords), the audit entry, the change event into the outbox, and COMMIT.
\set ci random(1, @NCOMPLAINTS@)
\set r1 random(1, 140737488355327)
\set r2 random(1, 140737488355327)
\set r3 random(1, 140737488355327)
\startpipeline
DISCARD ALL;
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL statement_timeout = 30000;
SET LOCAL application_name = 'cms-api/AddNote';
SET LOCAL app.tenant_id = '@TENANT@';
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status, COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0) AS reference_stamp FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
\endpipeline
\startpipeline
SELECT tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed, legal_entity_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/;
SELECT complaint_id, kind, due_at, met_at, paused_at, paused_ms FROM complaint_deadlines WHERE tenant_id = '@TENANT@' AND complaint_id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/ AND withdrawn_at IS NULL;
SELECT tenant_id, id, complaint_id, type, sent_at, recorded_by, recorded_at FROM complaint_responses
WHERE tenant_id = '@TENANT@' AND complaint_id IN (SELECT id FROM complaints WHERE tenant_id = '@TENANT@' AND (id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/ OR merged_into_id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/))
ORDER BY sent_at, id;
SELECT wrapped_key FROM consumer_keys WHERE tenant_id = '@TENANT@' AND consumer_id = (SELECT consumer_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/);
\endpipeline
\startpipeline
INSERT INTO complaint_notes (tenant_id, id, complaint_id, kind, body, author_id, created_at, text_sealed) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, 'internal', /*<*/'v1:' || md5(:r1::text) || md5(:r2::text)/*>*/, '@STAFFID@', /*<*/now()/*>*/, 't');
WITH consumer AS (SELECT k.erased_at FROM consumers k WHERE k.tenant_id = '@TENANT@' AND k.id = (SELECT consumer_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/) FOR SHARE OF k)
INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash) SELECT '@TENANT@', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, w.id, CASE WHEN (SELECT erased_at FROM consumer) IS NULL THEN w.word_hash END FROM unnest(/*<*/ARRAY[(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 1::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 2::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 3::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 4::bigint), 16, '0'))::uuid]/*>*/::uuid[], /*<*/ARRAY[md5(:r1::text || '0'), md5(:r1::text || '1'), md5(:r1::text || '2'), md5(:r1::text || '3')]/*>*/::text[]) AS w(id, word_hash);
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, changed_values, entry_hmac, seq, prev_hash, hash)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2::bigint), 16, '0'))::uuid/*>*/, /*<*/now()/*>*/, 'staff', '@STAFFID@', 'complaint.note_added', 'complaint', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, '["notes"]', '0af7651916cd43dd8448eb211c80319c', NULL,
        /*<*/md5(:r2::text) || md5(:r1::text)/*>*/, '0', '', '');
INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r3::bigint), 16, '0'))::uuid/*>*/, 'complaint.note_added', 'complaint', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, '2', '["notes"]', /*<*/now()/*>*/);
COMMIT;
\endpipeline
