-- GET /v1/complaints?q=<word>&limit=50: as queue.sql (reset, BEGIN, settings, the caller's staff row), then the first
-- page of the complaints whose blind keyword index holds the word's hash (@WORDHASH@, the HMAC of the normalised word
-- under the tenant's keyword key, taken by bench/run from the service's own call) with the ROLLBACK, all in one
-- pipeline (docs/adr/0023, 0026). pgbench -M extended; bench/run checks this against the service.
\startpipeline
DISCARD ALL;
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL statement_timeout = 30000;
SET LOCAL application_name = 'cms-api/ListComplaints';
SET LOCAL app.tenant_id = '@TENANT@';
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status, COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0) AS reference_stamp FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' AND EXISTS (SELECT 1 FROM complaint_keywords k WHERE k.tenant_id = '@TENANT@' AND k.word_hash = '@WORDHASH@' AND k.complaint_id = complaints.id) ORDER BY received_at, id LIMIT 51;
ROLLBACK;
\endpipeline
