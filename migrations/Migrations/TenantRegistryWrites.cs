using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// PostgreSQL: the tenant registry (<c>tenants</c>) is written on the platform path only. It holds no tenant_id and
/// every tenant may read it (the contract keeps reads open), but until now cms_app could UPDATE any row of it from any
/// tenant's transaction (status, jurisdiction of another tenant). Row-level security, enabled and forced, now admits
/// reads always and INSERT and UPDATE only in a transaction with no tenant set: a platform operator's request (creating
/// a tenant inserts it before entering the new tenant's scope) or platform maintenance; a tenant principal's request
/// always sets its tenant ahead of its first statement, so it can change no row of the registry, its own included.
/// Policies without subqueries and no SECURITY DEFINER function, so the same holds for the reference table on Citus.
/// SQLite has no row-level security; no route writes the registry from a tenant's request there either.
/// </summary>
[Migration(202612060100, "tenants: row-level security; writes only on the platform path (no tenant in the transaction)")]
public sealed class TenantRegistryWrites : CmsMigration
{
    /// <summary>True when the transaction has no tenant (unset or empty setting): the platform path.</summary>
    public const string PlatformCondition = "nullif(current_setting('app.tenant_id', true), '') IS NULL";

    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
            ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenants_read ON tenants FOR SELECT USING (true);
            CREATE POLICY tenants_platform_insert ON tenants FOR INSERT WITH CHECK ({PlatformCondition});
            CREATE POLICY tenants_platform_update ON tenants FOR UPDATE USING ({PlatformCondition}) WITH CHECK ({PlatformCondition});
            """);
    }

    public override void Down() =>
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            DROP POLICY IF EXISTS tenants_platform_update ON tenants;
            DROP POLICY IF EXISTS tenants_platform_insert ON tenants;
            DROP POLICY IF EXISTS tenants_read ON tenants;
            ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
            """);
}
