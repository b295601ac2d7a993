-- GET /v1/complaints?status=received&limit=50: the pooled connection's reset, BEGIN, the transaction's settings, the
-- caller's staff row, the first page of the queue (limit + 1 rows) and the ROLLBACK of the read-only transaction in one
-- round trip (a pipeline, as Npgsql writes them: docs/adr/0023, 0026; the caller's row read again ahead of the page, the
-- page decided on the caller as the service last read them). pgbench -M extended; bench/run checks this against the
-- service.
\startpipeline
DISCARD ALL;
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SET LOCAL statement_timeout = 30000;
SET LOCAL application_name = 'cms-api/ListComplaints';
SET LOCAL app.tenant_id = '@TENANT@';
SELECT s.tenant_id, s.id, s.subject, s.email, s.display_name, s.kind, s.created_at, s.roles, s.is_active, s.updated_at, s.version, q.queue_id, (SELECT t.status FROM tenants t WHERE t.id = s.tenant_id) AS tenant_status, COALESCE((SELECT r.stamp FROM tenant_reference_stamps r WHERE r.tenant_id = s.tenant_id), 0) AS reference_stamp FROM staff_users s LEFT JOIN staff_queues q ON q.tenant_id = s.tenant_id AND q.staff_id = s.id AND q.active = 't' WHERE s.tenant_id = '@TENANT@' AND s.subject = '@SUBJECT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' AND status = 'received' ORDER BY received_at, id LIMIT 51;
ROLLBACK;
\endpipeline
