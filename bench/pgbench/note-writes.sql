-- The physical limit of a note: its writes alone (the note, its keyword rows and their erasure check, the audit entry,
-- the change event into the outbox), exactly as the service writes them (note.sql, checked against the service's log),
-- in ONE pipeline with BEGIN, the tenant setting and COMMIT: one round trip, no reads. bench/lib/transitions.sh:
-- note_write_ratio = notes/s over HTTP / this script's tps at the same concurrency.
\set ci random(1, @NCOMPLAINTS@)
\set r1 random(1, 140737488355327)
\set r2 random(1, 140737488355327)
\set r3 random(1, 140737488355327)
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL app.tenant_id = '@TENANT@';
INSERT INTO complaint_notes (tenant_id, id, complaint_id, kind, body, author_id, created_at, text_sealed) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r1::bigint), 16, '0'))::uuid/*>*/, /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, 'internal', /*<*/'v1:' || md5(:r1::text) || md5(:r2::text)/*>*/, '@STAFFID@', /*<*/now()/*>*/, 't');
WITH consumer AS (SELECT k.erased_at FROM consumers k WHERE k.tenant_id = '@TENANT@' AND k.id = (SELECT consumer_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/) FOR SHARE OF k)
INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash) SELECT '@TENANT@', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, w.id, CASE WHEN (SELECT erased_at FROM consumer) IS NULL THEN w.word_hash END FROM unnest(/*<*/ARRAY[(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 1::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 2::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 3::bigint), 16, '0'))::uuid, (lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2 + 4::bigint), 16, '0'))::uuid]/*>*/::uuid[], /*<*/ARRAY[md5(:r1::text || '0'), md5(:r1::text || '1'), md5(:r1::text || '2'), md5(:r1::text || '3')]/*>*/::text[]) AS w(id, word_hash);
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, changed_values, entry_hmac, seq, prev_hash, hash)
VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r2::bigint), 16, '0'))::uuid/*>*/, /*<*/now()/*>*/, 'staff', '@STAFFID@', 'complaint.note_added', 'complaint', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, '["notes"]', '0af7651916cd43dd8448eb211c80319c', NULL,
        /*<*/md5(:r2::text) || md5(:r1::text)/*>*/, '0', '', '');
INSERT INTO event_outbox (tenant_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at) VALUES ('@TENANT@', /*<*/(lpad(to_hex((extract(epoch FROM now()) * 1000000)::bigint), 16, '0') || lpad(to_hex(:r3::bigint), 16, '0'))::uuid/*>*/, 'complaint.note_added', 'complaint', /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/, '2', '["notes"]', /*<*/now()/*>*/);
COMMIT;
\endpipeline
