using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Idempotency keys of the POSTs that create (security.md 13). idempotency_keys is a tenant table keyed by
/// (tenant_id, principal, idem_key) under row-level security like every other. A platform operator creating a tenant
/// has no tenant yet, so those keys live in platform_idempotency_keys, keyed by (principal, idem_key) and without a
/// tenant_id column: it holds no tenant data (only the platform's own answers to POST /v1/tenants) and needs no
/// row-level security, while the tenant table keeps its policy unweakened. A row holds the SHA-256 of the request
/// (method, path, body), the answer that was sent (status, body, Location, ETag) and when it expires; it is written
/// in the transaction of the change it belongs to.
/// </summary>
/// <remarks>
/// cms_app has no DELETE anywhere (the schema gate holds it to that). Expired keys are purged on PostgreSQL through
/// purge_expired_idempotency_keys and purge_expired_platform_idempotency_keys: SECURITY DEFINER functions of the
/// owner that delete only rows whose expires_at has passed, a bounded batch at a time, skipping rows another
/// transaction holds. The owner is itself subject to the forced row-level security of idempotency_keys, so the
/// tenant purge sees only the tenant of the calling transaction. cms_app may EXECUTE them; PUBLIC may not.
/// </remarks>
[Migration(202611250004, "Idempotency keys: idempotency_keys (tenant, RLS) and platform_idempotency_keys")]
public sealed class IdempotencyKeys : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["idempotency_keys"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("idempotency_keys")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_idempotency_keys")
            .WithColumn("principal").AsString(200).NotNullable().PrimaryKey("pk_idempotency_keys")
            .WithColumn("idem_key").AsString(255).NotNullable().PrimaryKey("pk_idempotency_keys")
            .WithColumn("request_hash").AsString(64).NotNullable()
            .WithColumn("status_code").AsInt32().Nullable()
            .WithColumn("response_body").AsCustom(Text).Nullable()
            .WithColumn("location").AsCustom(Text).Nullable()
            .WithColumn("etag").AsString(100).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("expires_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_idempotency_keys_tenant", "idempotency_keys", ["tenant_id"], "tenants", ["id"]);
        Index("ix_idempotency_keys_expires_at", "idempotency_keys", "tenant_id", "expires_at");
        IsolateTenantTable("idempotency_keys", "SELECT, INSERT, UPDATE");

        Create.Table("platform_idempotency_keys")
            .WithColumn("principal").AsString(200).NotNullable().PrimaryKey("pk_platform_idempotency_keys")
            .WithColumn("idem_key").AsString(255).NotNullable().PrimaryKey("pk_platform_idempotency_keys")
            .WithColumn("request_hash").AsString(64).NotNullable()
            .WithColumn("status_code").AsInt32().Nullable()
            .WithColumn("response_body").AsCustom(Text).Nullable()
            .WithColumn("location").AsCustom(Text).Nullable()
            .WithColumn("etag").AsString(100).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("expires_at").AsCustom(Timestamptz).NotNullable();
        Index("ix_platform_idempotency_keys_expires_at", "platform_idempotency_keys", "expires_at");
        GrantToApp("platform_idempotency_keys", "SELECT, INSERT, UPDATE");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            {PurgeFunction("purge_expired_idempotency_keys", "idempotency_keys", "tenant_id, principal, idem_key")}
            {PurgeFunction("purge_expired_platform_idempotency_keys", "platform_idempotency_keys", "principal, idem_key")}
            """);
    }

    /// <summary>The first release's purge function (its Down is <see cref="CitusSafeFunctions"/>'s).</summary>
    internal static string PurgeFunction(string name, string table, string key) => $"""
        CREATE FUNCTION {name}(p_now timestamptz, p_limit integer) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            purged integer;
        BEGIN
            DELETE FROM public.{table}
            WHERE ({key}) IN (
                SELECT {key} FROM public.{table} WHERE expires_at <= p_now LIMIT p_limit FOR UPDATE SKIP LOCKED);
            GET DIAGNOSTICS purged = ROW_COUNT;
            RETURN purged;
        END
        $$;
        REVOKE ALL ON FUNCTION {name}(timestamptz, integer) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION {name}(timestamptz, integer) TO {AppRole};
        """;

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            DROP FUNCTION IF EXISTS purge_expired_platform_idempotency_keys(timestamptz, integer);
            DROP FUNCTION IF EXISTS purge_expired_idempotency_keys(timestamptz, integer);
            """);
        RevokeFromApp("platform_idempotency_keys");
        Delete.Table("platform_idempotency_keys");
        RemoveTenantIsolation("idempotency_keys");
        Delete.Table("idempotency_keys");
    }
}
