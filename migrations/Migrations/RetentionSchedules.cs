using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Retention schedules (issue 19 item 5, docs/adr/0019-retention-schedules.md), two tenant tables under row-level security:
/// <list type="bullet">
/// <item><c>retention_schedules</c>: the tenant's schedule (days after closure, per-profile overrides and MiFID products
/// as JSON); no row means the default schedule.</item>
/// <item><c>retention_runs</c>: the retention job's state per tenant: the lease of the instance working on it (so two
/// instances never sweep one tenant at once), the cursor of the sweep (the last consumer id it decided, committed with the
/// batch's erasures, so a restart resumes there) and running totals.</item>
/// </list>
/// </summary>
[Migration(202612080100, "Retention: retention_schedules and retention_runs (tenant, RLS)")]
public sealed class RetentionSchedules : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["retention_schedules", "retention_runs"];

    public override void Up()
    {
        RequireAppRole();
        Create.Table("retention_schedules")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_retention_schedules")
            .WithColumn("after_closure_days").AsInt32().NotNullable()
            .WithColumn("per_profile").AsCustom(Text).NotNullable()
            .WithColumn("mifid_products").AsCustom(Text).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_retention_schedules_tenant", "retention_schedules", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("retention_schedules", "SELECT, INSERT, UPDATE");

        Create.Table("retention_runs")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_retention_runs")
            .WithColumn("cursor_consumer_id").AsGuid().Nullable()
            .WithColumn("lease_owner").AsString(100).Nullable()
            .WithColumn("lease_until").AsCustom(Timestamptz).Nullable()
            .WithColumn("sweeps_completed").AsInt64().NotNullable()
            .WithColumn("last_completed_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("erased").AsInt64().NotNullable()
            .WithColumn("held").AsInt64().NotNullable()
            .WithColumn("skipped").AsInt64().NotNullable()
            .WithColumn("batches").AsInt64().NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_retention_runs_tenant", "retention_runs", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("retention_runs", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RemoveTenantIsolation("retention_runs");
        Delete.Table("retention_runs");
        RemoveTenantIsolation("retention_schedules");
        Delete.Table("retention_schedules");
    }
}
