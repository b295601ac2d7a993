-- GET /v1/complaints?status=received&limit=50: staff row, then the first page of the queue (limit + 1 rows).
BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = 30000; SET LOCAL application_name = 'cms-api/ListComplaints'; SET LOCAL app.tenant_id = '@TENANT@'; SELECT tenant_id, id, subject, email, display_name, kind, roles, is_active, created_at, version FROM staff_users WHERE tenant_id = '@TENANT@' AND subject = '@SUBJECT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version FROM complaints WHERE tenant_id = '@TENANT@' AND status = 'received' ORDER BY received_at, id LIMIT 51;
ROLLBACK;
