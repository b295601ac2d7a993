-- bench/Peer/generate.sql: the peer's complaints, run by bench/lib/peer.sh as the peer's owner on its own database once
-- EF Core has created the schema and the consumers are in (copied from the measured tenant, ids included).
--   :tenant  the measured tenant's id (the bench's token names it)
--   :n       complaints: ids 00000000-0000-7000-8000-<n in hex>, 1..n, the ids the service's generated complaints have,
--            so the complaint-by-id load (complaint-ids.txt) reads existing rows on both sides
-- Each with its two deadlines; 10 % received (open, received in the last 8 weeks), the rest closed over three years;
-- consumers spread evenly. The secondary indexes are dropped during the load and rebuilt from their own definitions.
SET synchronous_commit = off;
CREATE TEMP TABLE peer_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname IN ('Complaints', 'Deadlines') AND NOT i.indisprimary;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT name FROM peer_indexes LOOP EXECUTE 'DROP INDEX ' || r.name; END LOOP;
END $$;

CREATE TEMP TABLE peer_consumers AS
SELECT row_number() OVER (ORDER BY "Id") - 1 AS n, "Id" AS id FROM "Consumers" WHERE "TenantId" = :'tenant';
SELECT count(*) AS consumer_count FROM peer_consumers \gset

INSERT INTO "Complaints" ("Id", "TenantId", "Year", "Number", "ConsumerId", "Channel", "Product", "Category", "Description",
                          "Priority", "Status", "AssigneeId", "ReceivedAt", "NextDueAt", "CreatedAt", "UpdatedAt", "Version")
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g.i), 12, '0'))::uuid, :'tenant', extract(year FROM g.received)::int,
       nextval('complaint_numbers'), c.id, 'web', 'current_account', 'fees', 'Charged twice for the same transfer.', 'normal',
       g.status, NULL, g.received, CASE WHEN g.status = 'received' THEN g.received + interval '3 days' END,
       g.received, g.received, 1
FROM (SELECT i, CASE WHEN i % 10 = 0 THEN 'received' ELSE 'closed' END AS status,
             now() - CASE WHEN i % 10 = 0 THEN random() * interval '56 days' ELSE random() * interval '3 years' END AS received
      FROM generate_series(1, :n) AS i) g
JOIN peer_consumers c ON c.n = g.i % :consumer_count;

INSERT INTO "Deadlines" ("ComplaintId", "TenantId", "Kind", "DueAt", "MetAt")
SELECT c."Id", c."TenantId", k.kind, c."ReceivedAt" + k.after, CASE WHEN c."Status" = 'closed' THEN c."ReceivedAt" + interval '2 days' END
FROM "Complaints" c
CROSS JOIN (VALUES ('summaryResolution', interval '3 days'), ('finalResponse', interval '56 days')) AS k(kind, after)
WHERE c."TenantId" = :'tenant';

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT def FROM peer_indexes LOOP EXECUTE r.def; END LOOP;
END $$;
VACUUM (ANALYZE) "Consumers", "Complaints", "Deadlines";
CHECKPOINT;
