using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// The FCA consolidated complaints return (PS25/19, issue 21) and the DOT disability report: two tenant tables under
/// row-level security. return_mappings holds the tenant's product and category codes mapped onto the regulators'
/// taxonomies (a mapping taken away keeps its row with no target: cms_app deletes nothing); fca_return_snapshots the
/// frozen figures of a period, the original and its amendments, as JSON documents of counts and sums (cms_app may only
/// INSERT and SELECT them).
/// </summary>
[Migration(202612060510, "Return mappings and FCA return snapshots (tenant, RLS)")]
public sealed class RegulatoryReturns : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["return_mappings", "fca_return_snapshots"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("return_mappings")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_return_mappings")
            .WithColumn("target_kind").AsString(20).NotNullable().PrimaryKey("pk_return_mappings")
            .WithColumn("source_code").AsString(100).NotNullable().PrimaryKey("pk_return_mappings")
            .WithColumn("target_code").AsString(100).Nullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_return_mappings_tenant", "return_mappings", ["tenant_id"], "tenants", ["id"]);
        // A mapping that is taken away keeps its row with target_code NULL: cms_app deletes nothing, anywhere.
        IsolateTenantTable("return_mappings", "SELECT, INSERT, UPDATE");

        Create.Table("fca_return_snapshots")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_fca_return_snapshots")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_fca_return_snapshots")
            .WithColumn("legal_entity_id").AsGuid().NotNullable()
            .WithColumn("period_start").AsString(10).NotNullable()
            .WithColumn("sequence").AsInt32().NotNullable()
            .WithColumn("figures").AsCustom(Text).NotNullable()
            .WithColumn("differences").AsCustom(Text).NotNullable()
            .WithColumn("taken_by").AsGuid().Nullable()
            .WithColumn("taken_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_fca_return_snapshots_entity", "fca_return_snapshots", ["tenant_id", "legal_entity_id"], "legal_entities", ["tenant_id", "id"]);
        Create.UniqueConstraint("ux_fca_return_snapshots_sequence").OnTable("fca_return_snapshots")
            .Columns("tenant_id", "legal_entity_id", "period_start", "sequence");
        IsolateTenantTable("fca_return_snapshots", "SELECT, INSERT");
    }

    public override void Down()
    {
        RemoveTenantIsolation("fca_return_snapshots");
        Delete.Table("fca_return_snapshots");
        RemoveTenantIsolation("return_mappings");
        Delete.Table("return_mappings");
    }
}
