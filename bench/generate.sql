-- bench/generate.sql: complaints in every state, their deadlines, notes, keyword index rows, audit entries and
-- change-feed events for one tenant, with realistic distributions. Run by bench/run with psql as the cluster's
-- superuser, which bypasses row-level security: this is the documented equivalent of filing and moving millions of
-- complaints through the API (which would take hours), not a product path. Every row copies the shape of rows the
-- service itself wrote (:template_complaint and :template_note, filed through the API just before, and that filing's
-- audit entry and event), so the service reads them back like its own; statuses, timestamps, outcomes and deadlines are
-- varied as below. As the service does, every audit entry comes with its event in the outbox (AuditTrail records both):
-- one complaint.filed per complaint, one complaint.closed per closed or referred one. Generated audit entries have seq
-- 0 (outside the tenant's hash chain, which /v1/audit/verify reports as unchained); they are there for volume.
-- Generated events take the positions after the tenant's last one, in order of occurrence, and the tenant's event
-- position moves past them, so the feed stays gap-free and the service's next event follows on.
--
-- History goes back about three years, and tables partitioned by month (audit_entries, and events once they are) have
-- no partition for most of it and no default partition: the months are created first, as the schema owner, through the
-- owner's own partition functions (found in the catalogue, see below), exactly as an operator loading history does.
--
-- The complaints' ids follow from their number: '00000000-0000-7000-8000-' || hex(first + i - 1) for i = 1 .. n, first
-- defaulting to 1 (bench/pgbench/ computes the measured tenant's ids so). Ids are UUIDs, unique across tenants, so a run
-- loading several tenants gives each the next range (bench/run --tenants: first = 1 + the complaints already generated);
-- references (GEN-<i>) are per tenant and start at 1 in each.
--   psql -v tenant=... -v n=... [-v first=1] -v template_complaint=... -v template_note=...
--        -v template_description_complaint=... [-v owner=cms_owner]
--        -f bench/generate.sql
\set ON_ERROR_STOP on
\if :{?owner}
\else
  \set owner cms_owner
\endif
\if :{?first}
\else
  \set first 1
\endif
\timing on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';

-- The rows every generated row is copied from: a missing one would make the copies below insert nothing, silently.
CREATE TEMP TABLE bench_template AS
SELECT :'tenant'::uuid AS tenant_id, :'template_complaint'::uuid AS complaint_id, :'template_note'::uuid AS note_id;
DO $$
DECLARE t bench_template;
BEGIN
    SELECT * INTO t FROM bench_template;
    IF NOT EXISTS (SELECT FROM complaints WHERE tenant_id = t.tenant_id AND id = t.complaint_id)
       OR (SELECT count(*) FROM complaint_deadlines WHERE tenant_id = t.tenant_id AND complaint_id = t.complaint_id) = 0
       OR NOT EXISTS (SELECT FROM complaint_notes WHERE tenant_id = t.tenant_id AND id = t.note_id)
       OR (SELECT count(*) FROM audit_entries WHERE tenant_id = t.tenant_id AND entity_id = t.complaint_id AND action = 'complaint.filed') <> 1
       OR (SELECT count(*) FROM events WHERE tenant_id = t.tenant_id AND entity_id = t.complaint_id AND type = 'complaint.filed') <> 1
       OR NOT EXISTS (SELECT FROM audit_chain_heads WHERE tenant_id = t.tenant_id) THEN
        RAISE EXCEPTION 'bench/generate.sql: the template complaint % (its deadlines, its filing''s audit entry and event), the note % or the chain head of tenant % is missing',
            t.complaint_id, t.note_id, t.tenant_id;
    END IF;
END $$;

\echo [generate] plan: statuses, consumers, timestamps
-- Consumers numbered, so complaints can pick one with a skew: a few consumers complain a lot.
CREATE TEMP TABLE bench_consumers AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM consumers WHERE tenant_id = :'tenant' AND erased_at IS NULL;
CREATE UNIQUE INDEX ON bench_consumers (n);
SELECT count(*) AS consumer_count FROM bench_consumers \gset

-- Status mix of a mature tenant: most complaints are closed; the open queue is a few per cent. Open ones were received
-- in the last 8 weeks, the others over the 3 years before. The timestamps are fixed here, so the months to partition
-- are known before anything is written.
CREATE TEMP TABLE bench_plan AS
SELECT i, id, status, consumer_n, received_at,
       CASE WHEN status IN ('resolved','closed','referred') THEN received_at + interval '20 days' END AS resolved_at,
       CASE WHEN status IN ('closed','referred') THEN received_at + interval '28 days' END AS closed_at,
       CASE status WHEN 'received' THEN 1 WHEN 'acknowledged' THEN 2 WHEN 'investigating' THEN 3
                   WHEN 'awaiting_consumer' THEN 4 WHEN 'resolved' THEN 4 WHEN 'closed' THEN 5 ELSE 6 END AS version
FROM (
    SELECT i,
           ('00000000-0000-7000-8000-' || lpad(to_hex(:first::bigint - 1 + i), 12, '0'))::uuid AS id,
           s.status,
           1 + floor(power(random(), 3) * :consumer_count)::bigint AS consumer_n,
           CASE WHEN s.status IN ('received','acknowledged','investigating','awaiting_consumer')
                THEN now() - random() * interval '8 weeks'
                ELSE now() - interval '8 weeks' - random() * interval '3 years' END AS received_at
    FROM (SELECT i, CASE WHEN r < 0.03 THEN 'received' WHEN r < 0.07 THEN 'acknowledged' WHEN r < 0.15 THEN 'investigating'
                         WHEN r < 0.18 THEN 'awaiting_consumer' WHEN r < 0.26 THEN 'resolved' WHEN r < 0.98 THEN 'closed'
                         ELSE 'referred' END AS status
          FROM (SELECT i, random() AS r FROM generate_series(1, :n) AS i) r) s
) p;
SELECT min(received_at) AS history_from FROM bench_plan \gset
-- The ids are UUIDs, unique across tenants (the primary key, which leads with tenant_id, would not catch another
-- tenant's): none of this range may be taken, by any tenant.
SELECT EXISTS (SELECT FROM complaints
               WHERE id BETWEEN ('00000000-0000-7000-8000-' || lpad(to_hex(:first::bigint), 12, '0'))::uuid
                            AND ('00000000-0000-7000-8000-' || lpad(to_hex(:first::bigint - 1 + :n), 12, '0'))::uuid) AS ids_taken \gset
\if :ids_taken
  DO $$ BEGIN RAISE EXCEPTION 'bench/generate.sql: complaint ids of this range are taken already (-v first= must start past every tenant''s generated ids)'; END $$;
\endif

\echo [generate] partitions: every month from :history_from on, as :owner
-- Every partitioned table this script writes into (discovered, not assumed: audit_entries is partitioned today, events
-- may be), and for each the owner's function that creates its missing month partitions from one timestamp to another:
-- a generic create_..._partitions(table, from, to) if there is one, else the table's own create_..._partitions(from, to)
-- (the one whose body names the table). They are called as the owner; then every month of the history is checked to
-- have its partition, so a table the script cannot partition fails here, not half-way through the load.
CREATE TEMP TABLE bench_partition_calls AS
SELECT c.oid::regclass AS tab, c.relname AS name, f.call
FROM pg_partitioned_table pt
JOIN pg_class c ON c.oid = pt.partrelid
LEFT JOIN LATERAL (
    SELECT CASE WHEN p.pronargs = 3 THEN format('SELECT %s(%L, %L::timestamptz, now())', p.oid::regproc, c.relname, :'history_from')
                ELSE format('SELECT %s(%L::timestamptz, now())', p.oid::regproc, :'history_from') END AS call
    FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'create\_%partitions'
      AND p.proargtypes[p.pronargs - 2] = 'timestamptz'::regtype AND p.proargtypes[p.pronargs - 1] = 'timestamptz'::regtype
      AND (p.pronargs = 3 AND p.proargtypes[0] IN ('regclass'::regtype, 'text'::regtype, 'name'::regtype, 'varchar'::regtype)
           OR p.pronargs = 2 AND p.prosrc ~ ('\m' || c.relname || '\M'))
    ORDER BY p.pronargs DESC, p.proname
    LIMIT 1) f ON true
WHERE c.relnamespace = 'public'::regnamespace
  AND c.relname IN ('complaints', 'complaint_deadlines', 'complaint_notes', 'complaint_keywords', 'audit_entries', 'events');
GRANT SELECT ON bench_partition_calls TO PUBLIC;   -- read by the owner's session below
SELECT coalesce(string_agg(name, ', ' ORDER BY name), '(none)') AS partitioned_names FROM bench_partition_calls \gset
\echo [generate] partitioned tables written here: :partitioned_names
CREATE TEMP TABLE bench_history AS SELECT :'history_from'::timestamptz AS from_at;
DO $$
DECLARE missing text;
BEGIN
    SELECT string_agg(name, ', ') INTO missing FROM bench_partition_calls WHERE call IS NULL;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'bench/generate.sql: no create_..._partitions(from, to) function of the owner found for %', missing;
    END IF;
END $$;
SET ROLE :"owner";
SELECT call FROM bench_partition_calls \gexec
RESET ROLE;
DO $$
DECLARE uncovered text;
BEGIN
    -- A partition's bound reads FOR VALUES FROM ('...') TO ('...').
    SELECT string_agg(format('%s %s', b.name, to_char(m AT TIME ZONE 'UTC', 'YYYY-MM')), ', ') INTO uncovered
    FROM bench_partition_calls b
    CROSS JOIN bench_history h
    CROSS JOIN generate_series(date_trunc('month', h.from_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', now(), interval '1 month') m
    WHERE NOT EXISTS (
        SELECT FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
        CROSS JOIN LATERAL regexp_match(pg_get_expr(p.relpartbound, p.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') bound
        WHERE i.inhparent = b.tab AND m >= bound[1]::timestamptz AND m < bound[2]::timestamptz);
    IF uncovered IS NOT NULL THEN
        RAISE EXCEPTION 'bench/generate.sql: months without a partition after creating them: %', uncovered;
    END IF;
END $$;

-- Secondary indexes of the tables loaded here are dropped during the load and rebuilt after it from their own
-- definitions (pg_get_indexdef, so exactly the migration's; on a partitioned table the parent's index, which PostgreSQL
-- builds on every partition): one sort per index instead of millions of random inserts. Primary keys and unique
-- indexes stay (they are constraints the load must keep).
CREATE TEMP TABLE bench_indexes AS
-- (pg_get_indexdef writes a partitioned table's index as CREATE INDEX ... ON ONLY parent, which would leave it invalid
-- with no index on any partition; without ONLY it is built on every partition and attached.)
SELECT i.indexrelid::regclass::text AS name, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = 'public'::regnamespace
  AND c.relname IN ('complaints', 'complaint_deadlines', 'complaint_notes', 'complaint_keywords', 'audit_entries', 'events')
  AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

\echo [generate] complaints
INSERT INTO complaints (tenant_id, id, reference, consumer_id, channel, product, category, description, priority,
    vulnerability_involved, payment_services, disability, profile_code, status, assignee_id, received_at, acknowledged_at,
    summary_resolution_at, final_response_at, resolved_at, closed_at, reopened_at, outcome, redress_amount_minor,
    redress_currency, redress_non_monetary, root_cause, referral_body, referral_reference, referred_at, referral_outcome,
    referral_outcome_at, next_due_at, next_due_kind, profile_version, created_at, updated_at, version,
    product_taxonomy_version, category_taxonomy_version)
SELECT t.tenant_id, p.id, 'GEN-' || lpad(p.i::text, 10, '0'), c.id,
       (ARRAY['web','web','web','email','email','phone','phone','branch','letter','social','partner'])[1 + floor(random() * 11)::int],
       (ARRAY['current_account','credit_card','mortgage','savings','loan','insurance'])[1 + floor(power(random(), 1.5) * 6)::int],
       (ARRAY['fees','service','fraud','access','mis_selling','delay','communication','data'])[1 + floor(power(random(), 1.8) * 8)::int],
       t.description,
       (ARRAY['normal','normal','normal','normal','normal','normal','high','high','low','urgent'])[1 + floor(random() * 10)::int],
       random() < 0.08, random() < 0.3, random() < 0.02, t.profile_code, p.status, NULL,
       p.received_at,
       CASE WHEN p.status <> 'received' THEN p.received_at + interval '1 day' END,
       NULL, NULL,
       p.resolved_at, p.closed_at,
       NULL,
       CASE WHEN p.status IN ('resolved','closed','referred')
            THEN (ARRAY['upheld','partly_upheld','not_upheld','not_upheld','withdrawn'])[1 + floor(random() * 5)::int] END,
       NULL, NULL, NULL, NULL,
       CASE WHEN p.status = 'referred' THEN 'Financial Ombudsman Service' END,
       CASE WHEN p.status = 'referred' THEN 'FOS-' || p.i END,
       CASE WHEN p.status = 'referred' THEN p.received_at + interval '40 days' END,
       NULL, NULL,
       CASE WHEN p.status IN ('received','acknowledged','investigating','awaiting_consumer') THEN p.received_at + (t.next_due_at - t.received_at) END,
       CASE WHEN p.status IN ('received','acknowledged','investigating','awaiting_consumer') THEN t.next_due_kind END,
       t.profile_version,
       p.received_at,
       CASE WHEN p.status = 'received' THEN p.received_at
            ELSE least(now(), coalesce(p.closed_at, p.resolved_at, p.received_at + interval '1 day')) END,
       p.version,
       t.product_taxonomy_version, t.category_taxonomy_version
FROM bench_plan p
JOIN bench_consumers c ON c.n = p.consumer_n
CROSS JOIN (SELECT * FROM complaints WHERE tenant_id = :'tenant' AND id = :'template_complaint') t;

\echo [generate] deadlines
INSERT INTO complaint_deadlines (tenant_id, complaint_id, kind, due_at, met_at, paused_at, paused_ms, withdrawn_at)
SELECT d.tenant_id, p.id, d.kind, p.received_at + (d.due_at - t.received_at), p.resolved_at, d.paused_at, d.paused_ms, d.withdrawn_at
FROM bench_plan p
CROSS JOIN (SELECT * FROM complaints WHERE tenant_id = :'tenant' AND id = :'template_complaint') t
JOIN complaint_deadlines d ON d.tenant_id = t.tenant_id AND d.complaint_id = t.id;

\echo [generate] notes
-- Notes: a tenth of complaints have one to three.
INSERT INTO complaint_notes (tenant_id, id, complaint_id, kind, body, author_id, created_at)
SELECT n.tenant_id, gen_random_uuid(), p.id,
       CASE WHEN k % 2 = 0 THEN 'internal' ELSE 'consumer_communication' END, n.body, n.author_id,
       p.received_at + random() * (coalesce(p.closed_at, now()) - p.received_at)
FROM bench_plan p
CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 3 + 0 * p.i)::int) AS k   -- p.i: drawn per complaint, not once
CROSS JOIN (SELECT * FROM complaint_notes WHERE tenant_id = :'tenant' AND id = :'template_note') n
WHERE p.i % 10 = 0;

\echo [generate] keyword index
-- The blind keyword index, as the service writes it (ComplaintKeywords): one row per distinct normalised word of each
-- description and of each note, holding the word's HMAC under the tenant's keyword key. The hashes are the service's
-- own, copied: a description's are those of :template_description_complaint (filed through the API with the same
-- description and no note), a note's are the template complaint's less those (EXCEPT ALL: its description's and its
-- one note's words, a word in both counted twice).
CREATE TEMP TABLE bench_description_words AS
SELECT word_hash FROM complaint_keywords
WHERE tenant_id = :'tenant' AND complaint_id = :'template_description_complaint' AND word_hash IS NOT NULL;
CREATE TEMP TABLE bench_note_words AS
SELECT word_hash FROM complaint_keywords
WHERE tenant_id = :'tenant' AND complaint_id = :'template_complaint' AND word_hash IS NOT NULL
EXCEPT ALL SELECT word_hash FROM bench_description_words;
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM bench_description_words) OR NOT EXISTS (SELECT FROM bench_note_words) THEN
        RAISE EXCEPTION 'bench/generate.sql: the template complaints have no keyword rows for their description or note';
    END IF;
END $$;
INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash)
SELECT :'tenant', p.id, gen_random_uuid(), w.word_hash
FROM bench_plan p CROSS JOIN bench_description_words w
UNION ALL
SELECT n.tenant_id, n.complaint_id, gen_random_uuid(), w.word_hash
FROM complaint_notes n JOIN bench_plan p ON n.complaint_id = p.id CROSS JOIN bench_note_words w
WHERE n.tenant_id = :'tenant';

\echo [generate] audit entries and their events
-- What the service writes per change: an audit entry and its event. One complaint.filed per complaint (when it was
-- received) and one complaint.closed per closed or referred one (when it was closed), in order of occurrence; the
-- actor, and the filing's field lists, copied from the template filing's own entry and event.
CREATE TEMP TABLE bench_changes AS
SELECT row_number() OVER (ORDER BY x.occurred_at, p.i, x.action) AS k, p.id AS entity_id, x.action, x.occurred_at,
       x.entity_version, x.changed_fields
FROM bench_plan p
CROSS JOIN (SELECT changed_fields FROM audit_entries
            WHERE tenant_id = :'tenant' AND entity_id = :'template_complaint' AND action = 'complaint.filed') f
CROSS JOIN LATERAL (VALUES ('complaint.filed', p.received_at, 1::bigint, f.changed_fields),
                           ('complaint.closed', p.closed_at, p.version::bigint, '["status","closedAt"]')) x(action, occurred_at, entity_version, changed_fields)
WHERE x.occurred_at IS NOT NULL;

INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields,
    trace_id, seq, prev_hash, hash)
SELECT a.tenant_id, gen_random_uuid(), b.occurred_at, a.actor_type, a.actor_id, b.action, 'complaint', b.entity_id,
       b.changed_fields, NULL, 0, '', ''
FROM bench_changes b
CROSS JOIN (SELECT * FROM audit_entries WHERE tenant_id = :'tenant' AND entity_id = :'template_complaint' AND action = 'complaint.filed') a;

SELECT last_event_position AS first_position FROM audit_chain_heads WHERE tenant_id = :'tenant' \gset
INSERT INTO events (tenant_id, position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
SELECT e.tenant_id, :first_position + b.k, gen_random_uuid(), b.action, 'complaint', b.entity_id, b.entity_version,
       b.changed_fields, b.occurred_at
FROM bench_changes b
CROSS JOIN (SELECT * FROM events WHERE tenant_id = :'tenant' AND entity_id = :'template_complaint' AND type = 'complaint.filed') e;
UPDATE audit_chain_heads SET last_event_position = :first_position + (SELECT count(*) FROM bench_changes)
WHERE tenant_id = :'tenant';

\echo [generate] indexes rebuilt, statistics
SELECT def FROM bench_indexes \gexec
DO $$
DECLARE invalid text;
BEGIN
    SELECT string_agg(i.indexrelid::regclass::text, ', ') INTO invalid FROM pg_index i
    WHERE NOT i.indisvalid AND i.indrelid::regclass::text IN ('complaints', 'complaint_deadlines', 'complaint_notes', 'complaint_keywords', 'audit_entries', 'events');
    IF invalid IS NOT NULL THEN
        RAISE EXCEPTION 'bench/generate.sql: indexes left invalid after the rebuild: %', invalid;
    END IF;
END $$;
VACUUM (ANALYZE) complaints, complaint_deadlines, complaint_notes, complaint_keywords, audit_entries, events, consumers, consumer_keys;
