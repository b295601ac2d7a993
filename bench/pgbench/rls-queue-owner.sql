-- rls_overhead, owner side: the same query as the superuser (row-level security bypassed), only its explicit tenant filter.
-- BEGIN and the query go in one round trip (a pipeline), like the cms_app side, so the two sides differ only by the
-- policy, not by a round trip.
\startpipeline
BEGIN;
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' AND status = 'received' ORDER BY received_at, id LIMIT 51;
\endpipeline
ROLLBACK;
