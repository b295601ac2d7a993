using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// The service's running instances (issue 22): each refreshes its own row every few seconds (a heartbeat, never a write
/// per request) and counts the rows still fresh, so it can enforce its share of each tenant's rate limit. Global data
/// (no tenant_id, no tenant data, no RLS): a reference table on Citus. cms_app may read, insert and update rows (like
/// everywhere, no DELETE: a stopped instance's row is marked gone and stops counting).
/// </summary>
[Migration(202612060310, "service_instances: heartbeat rows of the running instances (rate-limit shares)")]
public sealed class ServiceInstances : CmsMigration
{
    public override void Up()
    {
        RequireAppRole();
        Create.Table("service_instances")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_service_instances")
            .WithColumn("started_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("heartbeat_at").AsCustom(Timestamptz).NotNullable();
        GrantToApp("service_instances", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RevokeFromApp("service_instances");
        Delete.Table("service_instances");
    }
}
