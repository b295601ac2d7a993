using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Regulatory clocks: the profile version a complaint was filed under and the kind of its next deadline; per deadline
/// the internal SLA's pause (paused_at, paused_ms) and withdrawn_at (a deadline that stopped applying when a flag was
/// cleared: kept, not deleted); indexes for the due lists (by next deadline, per assignee and per queue, and per
/// deadline kind over unmet deadlines); and two tenant tables under row-level security: tenant_closure_days and
/// tenant_clock_settings.
/// </summary>
/// <remarks>
/// Existing complaints were filed under version 1 of their profile (the column default). Their next_due_kind is filled
/// from their deadlines; on PostgreSQL that runs tenant by tenant under SET LOCAL-equivalent set_config(..., true),
/// because the owner too is subject to the forced row-level security.
/// </remarks>
[Migration(202611250020, "Regulatory clocks: profile version, next due kind, deadline pause and withdrawal, due-list indexes; tenant_closure_days and tenant_clock_settings")]
public sealed class RegulatoryClocks : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["tenant_closure_days", "tenant_clock_settings"];

    private const string NextDueKindFromDeadlines = """
        UPDATE complaints SET next_due_kind = (
            SELECT d.kind FROM complaint_deadlines d
            WHERE d.tenant_id = complaints.tenant_id AND d.complaint_id = complaints.id AND d.due_at = complaints.next_due_at
              AND d.met_at IS NULL AND d.kind <> 'summary_resolution'
            ORDER BY d.kind LIMIT 1)
        WHERE next_due_at IS NOT NULL
        """;

    public override void Up()
    {
        RequireAppRole();

        Alter.Table("complaints")
            .AddColumn("profile_version").AsInt32().NotNullable().WithDefaultValue(1)
            .AddColumn("next_due_kind").AsString(50).Nullable();
        Alter.Table("complaint_deadlines")
            .AddColumn("paused_at").AsCustom(Timestamptz).Nullable()
            .AddColumn("paused_ms").AsInt64().NotNullable().WithDefaultValue(0)
            .AddColumn("withdrawn_at").AsCustom(Timestamptz).Nullable();

        // The due lists, keyset-ordered on (due instant, id). Closed complaints have no next_due_at: partial indexes
        // keep them out (same syntax on both databases).
        foreach (var (name, column) in new[] { ("ix_complaints_due_assignee", "assignee_id"), ("ix_complaints_due_status", "status") })
        {
            Execute.Sql($"CREATE INDEX {name} ON complaints (tenant_id, {column}, next_due_at, id) WHERE next_due_at IS NOT NULL");
        }

        Execute.Sql("""
            CREATE INDEX ix_complaint_deadlines_open_due ON complaint_deadlines (tenant_id, kind, due_at, complaint_id)
            WHERE met_at IS NULL AND withdrawn_at IS NULL
            """);

        IfDatabase(ProcessorIdConstants.SQLite).Execute.Sql(NextDueKindFromDeadlines);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DO $$
            DECLARE t record;
            BEGIN
                FOR t IN SELECT id FROM tenants LOOP
                    PERFORM set_config('app.tenant_id', t.id::text, true);
                    {NextDueKindFromDeadlines};
                END LOOP;
                PERFORM set_config('app.tenant_id', '', true);
            END
            $$;
            """);

        Create.Table("tenant_closure_days")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_tenant_closure_days")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_tenant_closure_days")
            .WithColumn("day").AsDate().NotNullable()
            .WithColumn("name").AsString(100).NotNullable()
            .WithColumn("active").AsBoolean().NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_tenant_closure_days_tenant", "tenant_closure_days", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_tenant_closure_days_day").OnTable("tenant_closure_days").Columns("tenant_id", "day");
        IsolateTenantTable("tenant_closure_days", "SELECT, INSERT, UPDATE");

        Create.Table("tenant_clock_settings")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_tenant_clock_settings")
            .WithColumn("internal_sla_amount").AsInt32().Nullable()
            .WithColumn("internal_sla_unit").AsString(20).Nullable()
            .WithColumn("at_risk_days").AsInt32().NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_tenant_clock_settings_tenant", "tenant_clock_settings", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("tenant_clock_settings", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RemoveTenantIsolation("tenant_clock_settings");
        Delete.Table("tenant_clock_settings");
        RemoveTenantIsolation("tenant_closure_days");
        Delete.Table("tenant_closure_days");
        Execute.Sql("DROP INDEX ix_complaint_deadlines_open_due");
        Execute.Sql("DROP INDEX ix_complaints_due_status");
        Execute.Sql("DROP INDEX ix_complaints_due_assignee");
        Delete.Column("withdrawn_at").Column("paused_ms").Column("paused_at").FromTable("complaint_deadlines");
        Delete.Column("next_due_kind").Column("profile_version").FromTable("complaints");
    }
}
