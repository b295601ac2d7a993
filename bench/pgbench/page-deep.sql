-- deep_page_ratio: the page after row 1,000,000 (the cursor's keyset condition, as the service sends it) as cms_app.
BEGIN;
SET LOCAL app.tenant_id = '@TENANT@';
SELECT id, reference, consumer_id, channel, product, category, priority, status, assignee_id, received_at, next_due_at, version, queue_id FROM complaints WHERE tenant_id = '@TENANT@' AND (received_at, id) > ('@DEEP_AT@', '@DEEP_ID@') ORDER BY received_at, id LIMIT 51;
ROLLBACK;
