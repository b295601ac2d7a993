-- deep_page_ratio: the unfiltered queue's first page (GET /v1/complaints?limit=50) as cms_app under the policy.
BEGIN;
SET LOCAL app.tenant_id = '@TENANT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' ORDER BY received_at, id LIMIT 51;
ROLLBACK;
