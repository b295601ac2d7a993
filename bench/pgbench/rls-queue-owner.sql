-- rls_overhead, owner side: the same query as the superuser (row-level security bypassed), only its explicit tenant filter.
BEGIN;
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version FROM complaints WHERE tenant_id = '@TENANT@' AND status = 'received' ORDER BY received_at, id LIMIT 51;
ROLLBACK;
