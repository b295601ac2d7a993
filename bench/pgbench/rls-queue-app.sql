-- rls_overhead, cms_app side: the queue's first page (the statement of queue.sql) under row-level security, the tenant set.
-- BEGIN, the tenant setting and the query go in one round trip (a pipeline), as the service sends them, so the two
-- sides differ only by the policy, not by a round trip.
-- bench/run checks that the query is the service's (bench/statements.py --includes).
\startpipeline
BEGIN;
SET LOCAL app.tenant_id = '@TENANT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' AND status = 'received' ORDER BY received_at, id LIMIT 51;
\endpipeline
ROLLBACK;
