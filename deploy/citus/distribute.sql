-- =====================================================================================================================
-- CMS on Citus: distribute the migrated schema by tenant_id. Run ONCE on the COORDINATOR, as a superuser, after
-- deploy/postgres/roles.sql and the migrations (dotnet run --project migrations -- up ...) ran against the coordinator,
-- and while the service is stopped (create_distributed_table moves existing rows to the workers):
--
--   psql -v ON_ERROR_STOP=1 -d cms -f deploy/citus/distribute.sql
--
-- The rules that make this possible are checked on every build by Cms.Tests/Isolation/CitusReadinessTests.cs over
-- the PostgreSQL catalogue, and that test also checks that THIS FILE names every table: a table added by a later
-- migration fails the build until it is listed here.
--   * every tenant table has tenant_id (uuid, NOT NULL) in its primary key and in every unique constraint/index;
--   * foreign keys between tenant tables pair tenant_id with tenant_id (so they are co-located: every row of a tenant,
--     in every table, lives on the same worker, and joins and foreign keys stay on one node);
--   * global data (the tenant registry, the platform's idempotency keys, the instances' heartbeats) are reference tables, copied to every node;
--     nothing global refers to tenant data;
--   * row-level security policies hold no subqueries (Citus refuses them) and read the tenant from
--     current_setting('app.tenant_id'), which the service sets with SET LOCAL in each transaction.
-- =====================================================================================================================

\set ON_ERROR_STOP on
BEGIN;

-- The tenant of a transaction travels with its statements to the workers, where the shards' policies read it.
-- (Citus propagates SET LOCAL only, never a session SET: exactly what the service sends.)
ALTER DATABASE :"DBNAME" SET citus.propagate_set_commands = 'local';
SET LOCAL citus.propagate_set_commands = 'local';

-- The append-only trigger of audit_entries refuses UPDATE/DELETE/TRUNCATE on every shard. Its function touches no
-- other table, which is what Citus asks of triggers on distributed tables.
SET LOCAL citus.enable_unsafe_triggers = on;
ALTER DATABASE :"DBNAME" SET citus.enable_unsafe_triggers = on;

-- Distributed tables with foreign keys to reference tables, created in one transaction: run shard DDL sequentially.
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

-- Every tenant table refers to tenants. With this setting on (Citus's default), making tenants a reference table turns
-- each table that refers to it into a Citus local table, and the create_distributed_table calls below then fail
-- ("foreign keys from reference tables and local tables to distributed tables are not supported"). Off: the referring
-- tables stay plain until each is distributed, and the foreign keys to tenants become distributed-to-reference keys.
SET LOCAL citus.enable_local_reference_table_foreign_keys = off;

-- ---- reference tables: global data, a full copy on every node ----
SELECT create_reference_table('tenants');
SELECT create_reference_table('platform_idempotency_keys');
-- The running instances' heartbeat rows (rate-limit shares): a write every few seconds per instance, never per request.
SELECT create_reference_table('service_instances');
-- The platform audit chain and the state of tenant deletions (docs/adr/0018-tenant-offboarding.md): platform rows.
SELECT create_reference_table('platform_audit_entries');
SELECT create_reference_table('tenant_offboardings');

-- ---- distributed tables: sharded by tenant_id, all in one co-location group (that of staff_users) ----
-- Parents before children (a foreign key between distributed tables needs the parent distributed first).
SELECT create_distributed_table('staff_users', 'tenant_id');
SELECT create_distributed_table('consumers', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_sequences', 'tenant_id', colocate_with => 'staff_users');
-- queues before complaints (complaints.queue_id references them) and staff_queues (membership of staff in queues).
SELECT create_distributed_table('queues', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('staff_queues', 'tenant_id', colocate_with => 'staff_users');
-- legal_entities before complaints too (complaints.legal_entity_id references them).
SELECT create_distributed_table('legal_entities', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaints', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_deadlines', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_notes', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('audit_chain_heads', 'tenant_id', colocate_with => 'staff_users');
-- Partitioned by month (audit_entries, events): Citus distributes the parent and every partition; partitions created
-- later by create_monthly_partitions (ATTACH PARTITION) are distributed as they are attached. Their keys hold
-- tenant_id: (tenant_id, occurred_at, id) and (tenant_id, position, occurred_at).
SELECT create_distributed_table('audit_entries', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('tenant_keys', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('consumer_keys', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('idempotency_keys', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('tenant_closure_days', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('tenant_clock_settings', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('events', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('event_outbox', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('webhook_endpoints', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('webhook_attempts', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('taxonomies', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('taxonomy_entries', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_responses', 'tenant_id', colocate_with => 'staff_users');
-- The FCA return (issue 21): mappings and the snapshots of legal entities (distributed before complaints, above).
SELECT create_distributed_table('return_mappings', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('fca_return_snapshots', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_vulnerability_tallies', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('complaint_keywords', 'tenant_id', colocate_with => 'staff_users');
-- Letters (issue 20): templates, the send log (references complaints) and the deadline alerts' markers.
SELECT create_distributed_table('letter_templates', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('letters', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('deadline_alerts', 'tenant_id', colocate_with => 'staff_users');
-- Retention (issue 19): the tenant's schedule and the retention job's lease and cursor.
SELECT create_distributed_table('retention_schedules', 'tenant_id', colocate_with => 'staff_users');
SELECT create_distributed_table('retention_runs', 'tenant_id', colocate_with => 'staff_users');

-- Stays on the coordinator only: "VersionInfo" (the migration history; migrations run against the coordinator).

COMMIT;

-- What Citus now knows: every table, its kind and co-location group.
SELECT logicalrelid::regclass AS table_name, partmethod, colocationid
FROM pg_dist_partition ORDER BY colocationid, logicalrelid::regclass::text;
-- The stamp of each tenant's reference data (issue 17): read in the caller's statement with staff_users (co-located,
-- one router query per request), set by the service in the transaction that changes the data.
SELECT create_distributed_table('tenant_reference_stamps', 'tenant_id', colocate_with => 'staff_users');
