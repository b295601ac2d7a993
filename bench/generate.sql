-- bench/generate.sql: complaints in every state, their deadlines, notes and audit entries for one tenant, with
-- realistic distributions. Run by bench/run with psql as the cluster's superuser, which bypasses row-level security:
-- this is the documented equivalent of filing and moving millions of complaints through the API (which would take
-- hours), not a product path. Every row copies the shape of rows the service itself wrote (:template_complaint and
-- :template_note, filed through the API just before), so the service reads them back like its own; statuses,
-- timestamps, outcomes and deadlines are varied as below. Generated audit entries have seq 0 (outside the tenant's
-- hash chain, which /v1/audit/verify reports as unchained); they are there for volume.
--   psql -v tenant=... -v n=... -v template_complaint=... -v template_note=... -f bench/generate.sql
\set ON_ERROR_STOP on
SET synchronous_commit = off;

-- Secondary indexes of the tables loaded here are dropped during the load and rebuilt after it from their own
-- definitions (pg_get_indexdef, so exactly the migration's): one sort per index instead of millions of random inserts.
CREATE TEMP TABLE bench_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relname IN ('complaints', 'complaint_deadlines', 'complaint_notes', 'audit_entries') AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

-- Consumers numbered, so complaints can pick one with a skew: a few consumers complain a lot.
CREATE TEMP TABLE bench_consumers AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM consumers WHERE tenant_id = :'tenant' AND erased_at IS NULL;
CREATE UNIQUE INDEX ON bench_consumers (n);
SELECT count(*) AS consumer_count FROM bench_consumers \gset

-- Status mix of a mature tenant: most complaints are closed; the open queue is a few per cent.
CREATE TEMP TABLE bench_plan AS
SELECT i,
       ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
       r,
       CASE WHEN r < 0.03 THEN 'received' WHEN r < 0.07 THEN 'acknowledged' WHEN r < 0.15 THEN 'investigating'
            WHEN r < 0.18 THEN 'awaiting_consumer' WHEN r < 0.26 THEN 'resolved' WHEN r < 0.98 THEN 'closed'
            ELSE 'referred' END AS status,
       1 + floor(power(random(), 3) * :consumer_count)::bigint AS consumer_n
FROM (SELECT i, random() AS r FROM generate_series(1, :n) AS i) s;

INSERT INTO complaints (tenant_id, id, reference, consumer_id, channel, product, category, description, priority,
    vulnerability_involved, payment_services, disability, profile_code, status, assignee_id, received_at, acknowledged_at,
    summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor,
    redress_currency, redress_non_monetary, root_cause, referral_body, referral_reference, referred_at, referral_outcome,
    referral_outcome_at, next_due_at, created_at, updated_at, version)
SELECT t.tenant_id, p.id, 'GEN-' || lpad(p.i::text, 10, '0'), c.id,
       (ARRAY['web','web','web','email','email','phone','phone','branch','letter','social','partner'])[1 + floor(random() * 11)::int],
       (ARRAY['current_account','credit_card','mortgage','savings','loan','insurance'])[1 + floor(power(random(), 1.5) * 6)::int],
       (ARRAY['fees','service','fraud','access','mis_selling','delay','communication','data'])[1 + floor(power(random(), 1.8) * 8)::int],
       t.description,
       (ARRAY['normal','normal','normal','normal','normal','normal','high','high','low','urgent'])[1 + floor(random() * 10)::int],
       random() < 0.08, random() < 0.3, random() < 0.02, t.profile_code, p.status, NULL,
       g.received_at,
       CASE WHEN p.status <> 'received' THEN g.received_at + interval '1 day' END,
       NULL, NULL,
       CASE WHEN p.status IN ('resolved','closed','referred') THEN g.received_at + interval '20 days' END,
       CASE WHEN p.status IN ('closed','referred') THEN g.received_at + interval '28 days' END,
       NULL,
       CASE WHEN p.status IN ('resolved','closed','referred')
            THEN (ARRAY['upheld','partly_upheld','not_upheld','not_upheld','withdrawn'])[1 + floor(random() * 5)::int] END,
       NULL, NULL, NULL, NULL,
       CASE WHEN p.status = 'referred' THEN 'Financial Ombudsman Service' END,
       CASE WHEN p.status = 'referred' THEN 'FOS-' || p.i END,
       CASE WHEN p.status = 'referred' THEN g.received_at + interval '40 days' END,
       NULL, NULL,
       CASE WHEN p.status IN ('received','acknowledged','investigating','awaiting_consumer') THEN g.received_at + interval '56 days' END,
       g.received_at, g.received_at + interval '28 days', 1
FROM bench_plan p
JOIN bench_consumers c ON c.n = p.consumer_n
CROSS JOIN LATERAL (SELECT CASE WHEN p.status IN ('received','acknowledged','investigating','awaiting_consumer')
                                THEN now() - random() * interval '8 weeks'
                                ELSE now() - interval '8 weeks' - random() * interval '3 years' END AS received_at) g
CROSS JOIN (SELECT * FROM complaints WHERE tenant_id = :'tenant' AND id = :'template_complaint') t;

INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at)
SELECT c.tenant_id, c.id, d.kind, c.received_at + (d.due_at - t.received_at),
       CASE WHEN c.status IN ('resolved','closed','referred') THEN c.resolved_at END
FROM complaints c
JOIN bench_plan p ON p.id = c.id
CROSS JOIN (SELECT * FROM complaints WHERE tenant_id = :'tenant' AND id = :'template_complaint') t
JOIN complaint_deadlines d ON d.tenant_id = t.tenant_id AND d.complaint_id = t.id
WHERE c.tenant_id = :'tenant';

-- Notes: a tenth of complaints have one to three.
INSERT INTO complaint_notes (tenant_id, id, complaint_id, kind, body, author_id, created_at)
SELECT n.tenant_id, gen_random_uuid(), p.id,
       CASE WHEN k % 2 = 0 THEN 'internal' ELSE 'consumer_communication' END, n.body, n.author_id,
       now() - random() * interval '8 weeks'
FROM bench_plan p
CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 3)::int) AS k
CROSS JOIN (SELECT * FROM complaint_notes WHERE tenant_id = :'tenant' AND id = :'template_note') n
WHERE p.i % 10 = 0;

-- Audit: one entry per complaint filed, one more per complaint closed (outside the chain: seq 0).
INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields,
    trace_id, seq, prev_hash, hash)
SELECT a.tenant_id, gen_random_uuid(), c.received_at, a.actor_type, a.actor_id, x.action, 'complaint', c.id, a.changed_fields,
       NULL, 0, '', ''
FROM complaints c
CROSS JOIN (SELECT * FROM audit_entries WHERE tenant_id = :'tenant' AND action = 'complaint.filed' ORDER BY seq DESC LIMIT 1) a
CROSS JOIN LATERAL (VALUES ('complaint.filed'), (CASE WHEN c.status IN ('closed','referred') THEN 'complaint.closed' END)) x(action)
WHERE c.tenant_id = :'tenant' AND c.reference LIKE 'GEN-%' AND x.action IS NOT NULL;

SET maintenance_work_mem = '512MB';
SELECT def FROM bench_indexes \gexec
VACUUM (ANALYZE) complaints, complaint_deadlines, complaint_notes, audit_entries, consumers, consumer_keys;
