using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// tenant_reference_stamps (issue 17, ADR 0011 "Tenant reference data in the service"): one row per tenant whose
/// <c>stamp</c> the service sets to a new random value in the same transaction as any change to the tenant's reference
/// data (taxonomies, closure days, clock settings, legal entities). The caller's statement of every request reads it,
/// and the service's cache of that data is used only while the stamp it was loaded under is still the stamp: a change
/// committed by any instance takes effect on every instance at the next request. No row: stamp 0 (never changed).
/// </summary>
[Migration(202612080200, "tenant_reference_stamps (tenant, RLS): the stamp of a tenant's reference data, for the service's cache")]
public sealed class ReferenceStamps : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["tenant_reference_stamps"];

    public override void Up()
    {
        RequireAppRole();
        Create.Table("tenant_reference_stamps")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_tenant_reference_stamps")
            .WithColumn("stamp").AsInt64().NotNullable();
        ForeignKey("fk_tenant_reference_stamps_tenant", "tenant_reference_stamps", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("tenant_reference_stamps", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RemoveTenantIsolation("tenant_reference_stamps");
        Delete.Table("tenant_reference_stamps");
    }
}
