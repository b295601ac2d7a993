using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// PostgreSQL: audit_entries becomes a table partitioned by month on occurred_at (declarative range partitioning, one
/// partition per calendar month in UTC, named audit_entries_pYYYY_MM). Everything the audit trail relies on holds on
/// the partitioned table: the tenant_isolation policy (forced) and cms_app's INSERT/SELECT-only grant on the parent,
/// through which the service reads and writes; the append-only row trigger (cloned onto every partition by PostgreSQL);
/// the TRUNCATE trigger (statement triggers are not cloned, so every partition gets its own). The primary key must
/// contain the partition key: it becomes (tenant_id, occurred_at, id), which also serves the audit listing's keyset
/// order. SQLite keeps its plain table: nothing changes there.
/// </summary>
/// <remarks>
/// <para>Partitions are created ahead of time, never on demand by an insert:</para>
/// <list type="bullet">
/// <item><c>create_audit_entry_partitions(from, to)</c>: the owner's function that creates every missing month from
/// <c>from</c> to <c>to</c> (inclusive). Not granted to cms_app. Operators and the bulk loader call it (as cms_owner)
/// for past months when they load history.</item>
/// <item><c>ensure_audit_entry_partitions(months_ahead)</c>: SECURITY DEFINER, granted to cms_app: the current month
/// (of the database clock) plus up to 24 months ahead. The service calls it at start-up and periodically; the
/// migration command calls it after every <c>up</c> (<see cref="CmsMigrator.MigrateUp"/>).</item>
/// </list>
/// <para>There is deliberately no DEFAULT partition. An entry whose month has no partition fails its insert
/// (SQLSTATE 23514, "no partition of relation ... found for row"), so the command that wrote it rolls back: no change is
/// ever committed without its audit entry (the service answers 503: StorageNotReadyException). A default partition would instead accumulate rows that then block creating
/// that month's partition (PostgreSQL refuses while the default holds rows of the new range) and force a scan of the
/// default partition under lock at every creation.</para>
/// <para>A partition is created as a plain table and then attached (ATTACH PARTITION takes only SHARE UPDATE
/// EXCLUSIVE on the parent, so writers are not blocked, unlike CREATE TABLE ... PARTITION OF which takes ACCESS
/// EXCLUSIVE). Each partition gets row-level security (enabled, forced, the same tenant_isolation policy) and no grant
/// to anyone: reading or writing a partition directly is refused to cms_app and filtered for the owner. Concurrent
/// callers are serialised by a transaction-scoped advisory lock; a lock wait is bounded by lock_timeout.</para>
/// <para>Existing entries are moved into the new table (the partitions their months need are created first) in the
/// migration's transaction.</para>
/// </remarks>
[Migration(202611250070, "Audit entries partitioned by month on PostgreSQL; partition functions; append-only triggers per partition")]
public sealed class AuditEntriesPartitioned : CmsMigration
{
    /// <summary>How many months after the current one the migration creates (the service keeps its own horizon).</summary>
    public const int MonthsAhead = 3;

    /// <summary>The most months ahead that cms_app may ask for.</summary>
    public const int MaxMonthsAhead = 24;

    private const string Columns =
        "tenant_id, id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, seq, prev_hash, hash";

    private const string ColumnDefinitions = """
            tenant_id uuid NOT NULL,
            id uuid NOT NULL,
            occurred_at timestamptz NOT NULL,
            actor_type varchar(20) NOT NULL,
            actor_id varchar(200) NOT NULL,
            action varchar(100) NOT NULL,
            entity_type varchar(50) NOT NULL,
            entity_id uuid NOT NULL,
            changed_fields text NOT NULL,
            trace_id varchar(32),
            seq bigint NOT NULL DEFAULT 0,
            prev_hash varchar(64) NOT NULL DEFAULT '',
            hash varchar(64) NOT NULL DEFAULT ''
        """;

    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            -- The old table steps aside (its index names are freed for the new one). NO FORCE: the owner reads every
            -- tenant's rows to move them.
            ALTER TABLE audit_entries RENAME TO audit_entries_unpartitioned;
            ALTER TABLE audit_entries_unpartitioned NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE audit_entries_unpartitioned RENAME CONSTRAINT pk_audit_entries TO pk_audit_entries_unpartitioned;
            ALTER TABLE audit_entries_unpartitioned RENAME CONSTRAINT fk_audit_entries_tenant TO fk_audit_entries_unpartitioned_tenant;
            ALTER INDEX ix_audit_entries_entity RENAME TO ix_audit_entries_unpartitioned_entity;
            ALTER INDEX ix_audit_entries_seq RENAME TO ix_audit_entries_unpartitioned_seq;

            CREATE TABLE audit_entries (
            {ColumnDefinitions},
                CONSTRAINT pk_audit_entries PRIMARY KEY (tenant_id, occurred_at, id),
                CONSTRAINT fk_audit_entries_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
            ) PARTITION BY RANGE (occurred_at);
            CREATE INDEX ix_audit_entries_entity ON audit_entries (tenant_id, entity_type, entity_id, id);
            CREATE INDEX ix_audit_entries_seq ON audit_entries (tenant_id, seq);

            CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

            {CreatePartitionsFunction}

            {EnsurePartitionsFunction}

            -- Move what exists: the partitions of its months first, then the rows (the new table has no policy yet).
            SELECT create_audit_entry_partitions(min(occurred_at), max(occurred_at)) FROM audit_entries_unpartitioned;
            INSERT INTO audit_entries ({Columns}) SELECT {Columns} FROM audit_entries_unpartitioned;
            DROP TABLE audit_entries_unpartitioned;

            SELECT create_audit_entry_partitions(now(), now() + interval '{MonthsAhead} months');
            """);
        IsolateTenantTable("audit_entries", "SELECT, INSERT");
    }

    /// <summary>The tenant condition as the body of a SQL string literal (quotes doubled).</summary>
    private static string QuotedCondition => TenantCondition.Replace("'", "''", StringComparison.Ordinal);

    /// <summary>The owner's function: every missing month partition from <c>p_from</c> to <c>p_to</c>, inclusive.</summary>
    private static string CreatePartitionsFunction => $"""
        CREATE FUNCTION create_audit_entry_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
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

            -- One creator at a time (service instances, the migration command); waiting callers then find the month made.
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
        REVOKE ALL ON FUNCTION create_audit_entry_partitions(timestamptz, timestamptz) FROM PUBLIC;
        """;

    /// <summary>The service's function: the current month and up to <see cref="MaxMonthsAhead"/> ahead, by the database's clock.</summary>
    private static string EnsurePartitionsFunction => $"""
        CREATE FUNCTION ensure_audit_entry_partitions(p_months_ahead integer) RETURNS integer
            LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT public.create_audit_entry_partitions(
                now(), now() + make_interval(months => least(greatest(coalesce(p_months_ahead, 0), 0), {MaxMonthsAhead})));
        $$;
        REVOKE ALL ON FUNCTION ensure_audit_entry_partitions(integer) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION ensure_audit_entry_partitions(integer) TO {AppRole};
        """;

    public override void Down()
    {
        RemoveTenantIsolation("audit_entries");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            ALTER TABLE audit_entries RENAME TO audit_entries_partitioned;
            ALTER TABLE audit_entries_partitioned RENAME CONSTRAINT pk_audit_entries TO pk_audit_entries_partitioned;
            ALTER TABLE audit_entries_partitioned RENAME CONSTRAINT fk_audit_entries_tenant TO fk_audit_entries_partitioned_tenant;
            ALTER INDEX ix_audit_entries_entity RENAME TO ix_audit_entries_partitioned_entity;
            ALTER INDEX ix_audit_entries_seq RENAME TO ix_audit_entries_partitioned_seq;

            CREATE TABLE audit_entries (
            {ColumnDefinitions},
                CONSTRAINT pk_audit_entries PRIMARY KEY (tenant_id, id),
                CONSTRAINT fk_audit_entries_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id)
            );
            CREATE INDEX ix_audit_entries_entity ON audit_entries (tenant_id, entity_type, entity_id, id);
            CREATE INDEX ix_audit_entries_seq ON audit_entries (tenant_id, seq);
            INSERT INTO audit_entries ({Columns}) SELECT {Columns} FROM audit_entries_partitioned;
            DROP TABLE audit_entries_partitioned;
            DROP FUNCTION ensure_audit_entry_partitions(integer);
            DROP FUNCTION create_audit_entry_partitions(timestamptz, timestamptz);

            CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
            """);
        IsolateTenantTable("audit_entries", "SELECT, INSERT");
    }
}
