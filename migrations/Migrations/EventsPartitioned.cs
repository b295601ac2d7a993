using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// PostgreSQL: events (the change feed's outbox) becomes a table partitioned by month on occurred_at, like audit_entries
/// (<see cref="AuditEntriesPartitioned"/>): one partition per calendar month in UTC, named events_pYYYY_MM, no default
/// partition. The primary key must contain the partition key: it becomes (tenant_id, position, occurred_at). Its index,
/// on every partition, leads with (tenant_id, position), so the feed's <c>position &gt; @after ORDER BY position LIMIT n</c>
/// stays an index scan per partition (merged in position order). A position's uniqueness never rested on the key but on
/// the tenant's chain-head counter (<see cref="ChangeFeed"/>); SQLite keeps its plain table and its stricter key
/// (tenant_id, position): nothing changes there.
/// </summary>
/// <remarks>
/// <para>The partition machinery becomes one for both tables:</para>
/// <list type="bullet">
/// <item><c>create_monthly_partitions(table, from, to)</c>: the owner's function (not granted to cms_app) that creates
/// every missing month of <c>audit_entries</c> or <c>events</c> (no other table is accepted). Each new partition gets
/// row-level security (enabled, forced, the tenant policy), no grant to anyone, the append-only TRUNCATE trigger when
/// the table is audit_entries, and the autovacuum storage parameters of an insert-only table
/// (<see cref="PartitionStorageParameters"/>): PostgreSQL refuses storage parameters on a partitioned table and
/// <c>LIKE ... INCLUDING DEFAULTS</c> copies none, so each partition must be given them itself.</item>
/// <item><c>ensure_monthly_partitions(months_ahead)</c>: SECURITY DEFINER, granted to cms_app: the current month plus
/// up to 24 ahead, for both tables. The service's job and the migration command call it.</item>
/// <item><c>create_audit_entry_partitions</c> and <c>ensure_audit_entry_partitions</c> keep their signatures (operators'
/// scripts, instances of the previous release during a rolling upgrade) and now delegate: the first to
/// <c>create_monthly_partitions('audit_entries', ...)</c>, the second to <c>ensure_monthly_partitions</c> (both tables).</item>
/// </list>
/// <para>The audit partitions that already exist are given the storage parameters too. Existing events are moved into
/// the new table (the partitions their months need are created first) in the migration's transaction; the Down moves
/// them back into a plain table.</para>
/// </remarks>
[Migration(202611250080, "Events partitioned by month on PostgreSQL; one partition function for audit entries and events; autovacuum settings per partition")]
public sealed class EventsPartitioned : CmsMigration
{
    /// <summary>
    /// The storage parameters of every new partition (docs/postgres.md, "Autovacuum"): both tables are insert-only, so
    /// an insert-driven vacuum at 0.5 % of a partition keeps its visibility map current (index-only scans, cheap
    /// vacuums), and freezing at that vacuum (freeze_min_age 0) leaves a closed month all-frozen, skipped by every later
    /// vacuum including the anti-wraparound one.
    /// </summary>
    public const string PartitionStorageParameters = "autovacuum_vacuum_insert_scale_factor = 0.005, autovacuum_freeze_min_age = 0";

    /// <summary>The names of <see cref="PartitionStorageParameters"/>, for RESET.</summary>
    private const string PartitionStorageParameterNames = "autovacuum_vacuum_insert_scale_factor, autovacuum_freeze_min_age";

    private const string Columns = "tenant_id, position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at";

    private const string ColumnDefinitions = """
            tenant_id uuid NOT NULL,
            position bigint NOT NULL,
            id uuid NOT NULL,
            type varchar(100) NOT NULL,
            entity_type varchar(50) NOT NULL,
            entity_id uuid NOT NULL,
            entity_version bigint NOT NULL,
            changed_fields text NOT NULL,
            occurred_at timestamptz NOT NULL
        """;

    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            {CreateMonthlyPartitionsFunction}

            {EnsureMonthlyPartitionsFunction}

            -- The old names delegate (same signatures: their grants are kept).
            CREATE OR REPLACE FUNCTION create_audit_entry_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
                LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
                SELECT public.create_monthly_partitions('audit_entries', p_from, p_to);
            $$;
            CREATE OR REPLACE FUNCTION ensure_audit_entry_partitions(p_months_ahead integer) RETURNS integer
                LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
                SELECT public.ensure_monthly_partitions(p_months_ahead);
            $$;

            -- The audit partitions made so far were created without the storage parameters.
            DO $$
            DECLARE
                partition regclass;
            BEGIN
                FOR partition IN SELECT inhrelid::regclass FROM pg_catalog.pg_inherits WHERE inhparent = 'public.audit_entries'::regclass LOOP
                    EXECUTE format('ALTER TABLE %s SET ({PartitionStorageParameters})', partition);
                END LOOP;
            END
            $$;

            -- The old table steps aside (its constraint names are freed for the new one). NO FORCE: the owner reads
            -- every tenant's rows to move them.
            ALTER TABLE events RENAME TO events_unpartitioned;
            ALTER TABLE events_unpartitioned NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE events_unpartitioned RENAME CONSTRAINT pk_events TO pk_events_unpartitioned;
            ALTER TABLE events_unpartitioned RENAME CONSTRAINT fk_events_tenant TO fk_events_unpartitioned_tenant;

            CREATE TABLE events (
            {ColumnDefinitions},
                CONSTRAINT pk_events PRIMARY KEY (tenant_id, position, occurred_at),
                CONSTRAINT fk_events_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
            ) PARTITION BY RANGE (occurred_at);

            -- Move what exists: the partitions of its months first, then the rows (the new table has no policy yet).
            SELECT create_monthly_partitions('events', min(occurred_at), max(occurred_at)) FROM events_unpartitioned;
            INSERT INTO events ({Columns}) SELECT {Columns} FROM events_unpartitioned;
            DROP TABLE events_unpartitioned;

            SELECT create_monthly_partitions('events', now(), now() + interval '{AuditEntriesPartitioned.MonthsAhead} months');
            """);
        IsolateTenantTable("events", "SELECT, INSERT");
    }

    /// <summary>The tenant condition as the body of a SQL string literal (quotes doubled).</summary>
    private static string QuotedCondition => TenantCondition.Replace("'", "''", StringComparison.Ordinal);

    /// <summary>The owner's function: every missing month partition of <c>p_table</c> from <c>p_from</c> to <c>p_to</c>, inclusive.</summary>
    internal static string CreateMonthlyPartitionsFunction => $"""
        CREATE FUNCTION create_monthly_partitions(p_table text, p_from timestamptz, p_to timestamptz) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog, public SET TimeZone = 'UTC' SET lock_timeout = '10s' AS $$
        DECLARE
            month_start timestamptz;
            month_end timestamptz;
            partition_name text;
            created integer := 0;
        BEGIN
            IF p_table IS NULL OR p_table NOT IN ('audit_entries', 'events') THEN
                RAISE EXCEPTION 'create_monthly_partitions: % is not a table partitioned by month', p_table USING ERRCODE = '22023';
            END IF;
            IF p_from IS NULL OR p_to IS NULL THEN
                RETURN 0;
            END IF;
            IF p_to < p_from THEN
                RAISE EXCEPTION 'create_monthly_partitions: % is before %', p_to, p_from USING ERRCODE = '22023';
            END IF;
            IF p_to - p_from > interval '100 years' THEN
                RAISE EXCEPTION 'create_monthly_partitions: range too long (% to %)', p_from, p_to USING ERRCODE = '22023';
            END IF;

            -- One creator per table at a time (service instances, the migration command); waiting callers then find the
            -- month made. The audit key is the one the previous release used.
            PERFORM pg_advisory_xact_lock(hashtext('cms.' || p_table || '.partitions'));
            month_start := date_trunc('month', p_from);
            WHILE month_start <= p_to LOOP
                month_end := month_start + interval '1 month';
                partition_name := p_table || '_p' || to_char(month_start, 'YYYY_MM');
                IF to_regclass('public.' || quote_ident(partition_name)) IS NULL THEN
                    -- Storage parameters are not inherited from a partitioned table (which refuses them) nor copied by LIKE.
                    EXECUTE format('CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS) WITH ({PartitionStorageParameters})',
                                   partition_name, p_table);
                    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', partition_name);
                    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', partition_name);
                    EXECUTE format('CREATE POLICY {PolicyName} ON public.%I USING ({QuotedCondition}) WITH CHECK ({QuotedCondition})',
                                   partition_name);
                    EXECUTE format('REVOKE ALL ON TABLE public.%I FROM PUBLIC', partition_name);
                    IF p_table = 'audit_entries' THEN
                        -- Statement triggers are not cloned onto partitions; the row trigger is.
                        EXECUTE format('CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION public.audit_entries_append_only()',
                                       partition_name);
                    END IF;
                    EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                                   p_table, partition_name, month_start, month_end);
                    created := created + 1;
                END IF;
                month_start := month_end;
            END LOOP;
            RETURN created;
        END
        $$;
        REVOKE ALL ON FUNCTION create_monthly_partitions(text, timestamptz, timestamptz) FROM PUBLIC;
        """;

    /// <summary>The service's function: for both tables, the current month and up to
    /// <see cref="AuditEntriesPartitioned.MaxMonthsAhead"/> ahead, by the database's clock.</summary>
    private static string EnsureMonthlyPartitionsFunction => $"""
        CREATE FUNCTION ensure_monthly_partitions(p_months_ahead integer) RETURNS integer
            LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT sum(public.create_monthly_partitions(t, now(),
                       now() + make_interval(months => least(greatest(coalesce(p_months_ahead, 0), 0), {AuditEntriesPartitioned.MaxMonthsAhead}))))::integer
            FROM (VALUES ('audit_entries'), ('events')) AS tables(t);
        $$;
        REVOKE ALL ON FUNCTION ensure_monthly_partitions(integer) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION ensure_monthly_partitions(integer) TO {AppRole};
        """;

    public override void Down()
    {
        RemoveTenantIsolation("events");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            ALTER TABLE events RENAME TO events_partitioned;
            ALTER TABLE events_partitioned RENAME CONSTRAINT pk_events TO pk_events_partitioned;
            ALTER TABLE events_partitioned RENAME CONSTRAINT fk_events_tenant TO fk_events_partitioned_tenant;

            CREATE TABLE events (
            {ColumnDefinitions},
                CONSTRAINT pk_events PRIMARY KEY (tenant_id, position),
                CONSTRAINT fk_events_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
            );
            INSERT INTO events ({Columns}) SELECT {Columns} FROM events_partitioned;
            DROP TABLE events_partitioned;

            DO $$
            DECLARE
                partition regclass;
            BEGIN
                FOR partition IN SELECT inhrelid::regclass FROM pg_catalog.pg_inherits WHERE inhparent = 'public.audit_entries'::regclass LOOP
                    EXECUTE format('ALTER TABLE %s RESET ({PartitionStorageParameterNames})', partition);
                END LOOP;
            END
            $$;

            -- The previous release's bodies (AuditEntriesPartitioned): audit entries only, no storage parameters.
            {PreviousCreateAuditEntryPartitionsFunction}
            CREATE OR REPLACE FUNCTION ensure_audit_entry_partitions(p_months_ahead integer) RETURNS integer
                LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
                SELECT public.create_audit_entry_partitions(
                    now(), now() + make_interval(months => least(greatest(coalesce(p_months_ahead, 0), 0), {AuditEntriesPartitioned.MaxMonthsAhead})));
            $$;
            DROP FUNCTION ensure_monthly_partitions(integer);
            DROP FUNCTION create_monthly_partitions(text, timestamptz, timestamptz);
            """);
        IsolateTenantTable("events", "SELECT, INSERT");
    }

    /// <summary>create_audit_entry_partitions as migration AuditEntriesPartitioned made it (for Down).</summary>
    private static string PreviousCreateAuditEntryPartitionsFunction => $"""
        CREATE OR REPLACE FUNCTION create_audit_entry_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog, public SET TimeZone = 'UTC' SET lock_timeout = '10s' AS $$
        DECLARE
            month_start timestamptz;
            month_end timestamptz;
            partition_name text;
            created integer := 0;
        BEGIN
            IF p_from IS NULL OR p_to IS NULL THEN
                RETURN 0;
            END IF;
            IF p_to < p_from THEN
                RAISE EXCEPTION 'create_audit_entry_partitions: % is before %', p_to, p_from USING ERRCODE = '22023';
            END IF;
            IF p_to - p_from > interval '100 years' THEN
                RAISE EXCEPTION 'create_audit_entry_partitions: range too long (% to %)', p_from, p_to USING ERRCODE = '22023';
            END IF;

            PERFORM pg_advisory_xact_lock(hashtext('cms.audit_entries.partitions'));
            month_start := date_trunc('month', p_from);
            WHILE month_start <= p_to LOOP
                month_end := month_start + interval '1 month';
                partition_name := 'audit_entries_p' || to_char(month_start, 'YYYY_MM');
                IF to_regclass('public.' || quote_ident(partition_name)) IS NULL THEN
                    EXECUTE format('CREATE TABLE public.%I (LIKE public.audit_entries INCLUDING DEFAULTS)', partition_name);
                    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', partition_name);
                    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', partition_name);
                    EXECUTE format('CREATE POLICY {PolicyName} ON public.%I USING ({QuotedCondition}) WITH CHECK ({QuotedCondition})',
                                   partition_name);
                    EXECUTE format('REVOKE ALL ON TABLE public.%I FROM PUBLIC', partition_name);
                    EXECUTE format('CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION public.audit_entries_append_only()',
                                   partition_name);
                    EXECUTE format('ALTER TABLE public.audit_entries ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                                   partition_name, month_start, month_end);
                    created := created + 1;
                END IF;
                month_start := month_end;
            END LOOP;
            RETURN created;
        END
        $$;
        """;
}
