using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Tenant suspension (issue 22): tenants.status already says active or suspended; these columns keep the platform
/// operator's reason for the last change and when it was made. The registry is not a tenant table (no RLS); the
/// service changes a tenant's status only in a platform operator's request. Nullable columns on both databases alike.
/// </summary>
[Migration(202612060300, "Tenants: status_reason and status_changed_at (suspension and reactivation)")]
public sealed class TenantSuspension : CmsMigration
{
    public override void Up() =>
        Alter.Table("tenants")
            .AddColumn("status_reason").AsString(500).Nullable()
            .AddColumn("status_changed_at").AsCustom(Timestamptz).Nullable();

    public override void Down()
    {
        Delete.Column("status_changed_at").FromTable("tenants");
        Delete.Column("status_reason").FromTable("tenants");
    }
}
