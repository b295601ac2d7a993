using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// PostgreSQL: cms_app may read FluentMigrator's version table, so that the service's readiness check
/// (<c>/health/ready</c>) can tell whether the database carries every migration of the build it runs. Read only: the
/// service never migrates as cms_app. SQLite has no grants.
/// </summary>
[Migration(202611250060, "Readiness: cms_app may SELECT the migration version table")]
public sealed class ReadinessGrant : CmsMigration
{
    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql(
            $"""GRANT SELECT ON TABLE "{CmsMigrator.VersionTableName}" TO {AppRole};""");
    }

    public override void Down() =>
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql(
            $"""REVOKE ALL ON TABLE "{CmsMigrator.VersionTableName}" FROM {AppRole};""");
}
