using FluentMigrator;
using FluentMigrator.Expressions;
using FluentMigrator.Infrastructure;
using FluentMigrator.Model;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Base of the CMS migrations: the helpers that keep one migration correct on both PostgreSQL and SQLite
/// (composite foreign keys, indexes) and the PostgreSQL-only tenant isolation (row-level security) and grants.
/// </summary>
/// <remarks>
/// PostgreSQL-only work goes through <c>IfDatabase(ProcessorIdConstants.PostgreSQL)</c>. Never the string "Postgres":
/// FluentMigrator's PostgreSQL processor is "PostgreSQL15_0" with alias "PostgreSQL", so "Postgres" matches nothing and
/// the block is skipped without a word.
/// </remarks>
public abstract class CmsMigration : Migration, IMigration
{
    /// <summary>The role the service logs in as (created by deploy/postgres/roles.sql).</summary>
    public const string AppRole = "cms_app";

    /// <summary>The name of the one row-level security policy on every tenant table.</summary>
    public const string PolicyName = "tenant_isolation";

    /// <summary>
    /// The policy condition: the row's tenant is the tenant of the transaction (<c>SET LOCAL app.tenant_id = '...'</c>).
    /// <c>current_setting(..., true)</c> is NULL before the setting was ever used on the connection and '' afterwards;
    /// nullif turns both into NULL, and <c>tenant_id = NULL</c> is never true, so with no tenant no row is visible and
    /// every insert or update fails WITH CHECK. No subquery (Citus rejects them in policies) and no function wrapper (a
    /// volatile plpgsql function would defeat index scans).
    /// </summary>
    public const string TenantCondition = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid";

    /// <summary>Instants: timestamptz on PostgreSQL; on SQLite the declared type is kept and the application stores
    /// fixed-width ISO-8601 UTC text.</summary>
    protected const string Timestamptz = "timestamptz";

    /// <summary>Unbounded text (JSON documents): text on both databases.</summary>
    protected const string Text = "text";

    private IMigrationContext? _collecting;

    /// <summary>Lets the SQLite foreign key helper reach the expressions collected so far (FluentMigrator keeps the
    /// migration context internal).</summary>
    void IMigration.GetUpExpressions(IMigrationContext context)
    {
        _collecting = context;
        try
        {
            GetUpExpressions(context);
        }
        finally
        {
            _collecting = null;
        }
    }

    void IMigration.GetDownExpressions(IMigrationContext context)
    {
        _collecting = context;
        try
        {
            GetDownExpressions(context);
        }
        finally
        {
            _collecting = null;
        }
    }

    /// <summary>PostgreSQL: stop with a clear message when deploy/postgres/roles.sql has not been run.</summary>
    protected void RequireAppRole() =>
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{AppRole}') THEN
                    RAISE EXCEPTION 'role {AppRole} does not exist: run deploy/postgres/roles.sql as a superuser before migrating';
                END IF;
            END
            $$;
            """);

    /// <summary>PostgreSQL: nobody but the owner has any right on <paramref name="table"/>, then cms_app gets
    /// <paramref name="privileges"/> (e.g. "SELECT, INSERT").</summary>
    protected void GrantToApp(string table, string privileges) =>
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            REVOKE ALL ON TABLE {table} FROM PUBLIC;
            GRANT {privileges} ON TABLE {table} TO {AppRole};
            """);

    /// <summary>PostgreSQL: reverses <see cref="GrantToApp"/>.</summary>
    protected void RevokeFromApp(string table) =>
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"REVOKE ALL ON TABLE {table} FROM {AppRole};");

    /// <summary>
    /// PostgreSQL: row-level security enabled and forced (the owner too is filtered), the tenant_isolation policy with
    /// USING and WITH CHECK on <see cref="TenantCondition"/>, and cms_app's <paramref name="privileges"/>.
    /// </summary>
    protected void IsolateTenantTable(string table, string privileges)
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {PolicyName} ON {table}
                USING ({TenantCondition})
                WITH CHECK ({TenantCondition});
            """);
        GrantToApp(table, privileges);
    }

    /// <summary>PostgreSQL: reverses <see cref="IsolateTenantTable"/>.</summary>
    protected void RemoveTenantIsolation(string table)
    {
        RevokeFromApp(table);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DROP POLICY IF EXISTS {PolicyName} ON {table};
            ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
            """);
    }

    /// <summary>An ascending, non-unique index.</summary>
    protected void Index(string name, string table, params string[] columns)
    {
        var index = Create.Index(name).OnTable(table);
        foreach (var column in columns)
        {
            index.OnColumn(column).Ascending();
        }
    }

    /// <summary>
    /// A named, possibly composite, foreign key. PostgreSQL: ALTER TABLE ... ADD CONSTRAINT. SQLite cannot add a
    /// constraint to an existing table, so there the definition joins the pending CREATE TABLE of
    /// <paramref name="table"/> (created earlier in the same migration) and is emitted inside it as
    /// <c>CONSTRAINT name FOREIGN KEY (...) REFERENCES parent (...)</c>.
    /// </summary>
    protected void ForeignKey(string name, string table, string[] columns, string parentTable, string[] parentColumns)
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey(name)
            .FromTable(table).ForeignColumns(columns)
            .ToTable(parentTable).PrimaryColumns(parentColumns);

        IfDatabase(ProcessorIdConstants.SQLite).Delegate(() =>
        {
            var context = _collecting ?? throw new InvalidOperationException("ForeignKey may only be called from Up() or Down().");
            var create = context.Expressions.OfType<CreateTableExpression>().LastOrDefault(e => e.TableName == table)
                ?? throw new InvalidOperationException(
                    $"Foreign key {name}: on SQLite, table {table} must be created earlier in the same migration.");

            // The SQLite generator emits one foreign key per column definition: hang it on the last column of the key.
            var carrier = create.Columns.Single(c => c.Name == columns[^1]);
            if (carrier.ForeignKey is not null)
            {
                throw new InvalidOperationException(
                    $"Foreign key {name}: column {table}.{carrier.Name} already carries foreign key {carrier.ForeignKey.Name}.");
            }

            carrier.IsForeignKey = true;
            carrier.ForeignKey = new ForeignKeyDefinition
            {
                Name = name,
                ForeignTable = table,
                ForeignColumns = [.. columns],
                PrimaryTable = parentTable,
                PrimaryColumns = [.. parentColumns],
            };
        });
    }
}
