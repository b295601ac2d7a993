-- rls_overhead, cms_app side: the complaint by id (the statement of byid.sql) under row-level security, the tenant set.
-- BEGIN, the tenant setting and the query go in one round trip (a pipeline), as the service sends them, so the two
-- sides differ only by the policy, not by a round trip.
\set ci random(1, @NCOMPLAINTS@)
\startpipeline
BEGIN;
SET LOCAL app.tenant_id = '@TENANT@';
SELECT tenant_id, id, reference, consumer_id, channel, priority, profile_code, profile_version, created_at, product, product_taxonomy_version, category, category_taxonomy_version, description, vulnerability_involved, vulnerability_health, vulnerability_life_event, vulnerability_resilience, vulnerability_capability, vulnerability_consent_at, vulnerability_details, payment_services, disability, status, assignee_id, queue_id, received_at, acknowledged_at, summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor, redress_currency, redress_non_monetary, root_cause, root_cause_taxonomy_version, closure_band, merged_into_id, provisional_credit_at, referral_body, referral_reference, referred_at, referral_outcome, referral_outcome_at, next_due_at, next_due_kind, updated_at, version, text_sealed, legal_entity_id FROM complaints WHERE tenant_id = '@TENANT@' AND id = /*<*/('00000000-0000-7000-8000-' || lpad(to_hex(:ci::bigint), 12, '0'))::uuid/*>*/;
\endpipeline
ROLLBACK;
