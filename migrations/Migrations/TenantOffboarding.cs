using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Tenant offboarding (issue 22, docs/adr/0018-tenant-offboarding.md): the platform audit chain and the persisted state of
/// a tenant's deletion. Neither table has a <c>tenant_id</c> column: they are the platform's own rows, not tenant data,
/// and they outlive the tenant (its id is their subject, in <c>entity_id</c> and <c>id</c>).
/// <list type="bullet">
/// <item><c>platform_audit_entries</c>: one hash chain for every platform operator's action (create, suspend,
/// reactivate, export, delete), <c>seq</c> 1, 2, 3... each entry's <c>hash</c> an HMAC over its content and the previous
/// hash. cms_app may INSERT and SELECT only; on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE to everyone.</item>
/// <item><c>tenant_offboardings</c>: one row per tenant being deleted, which a restart resumes from (keys destroyed or
/// not, progress, the lease of the instance working on it).</item>
/// <item>PostgreSQL: cms_app holds no DELETE anywhere, so the rows go through two owner functions that refuse to act
/// unless the transaction's tenant (<c>app.tenant_id</c>, set by the same session code as a request) is suspended and
/// its offboarding has destroyed its keys: <c>offboarding_delete_batch(table, limit)</c> (row-level security still
/// applies: the tables FORCE it on the owner too) and <c>offboarding_delete_tenant()</c> (the registry row, last).
/// The audit trigger admits a DELETE of exactly those tenants' entries inside those functions.</item>
/// </list>
/// </summary>
[Migration(202612070500, "Tenant offboarding: the platform audit chain, tenant_offboardings, owner functions for the deletion")]
public sealed class TenantOffboarding : CmsMigration
{
    /// <summary>The largest batch a delete call removes, whatever it is asked for.</summary>
    public const int MaxDeleteBatch = 10_000;

    public override void Up()
    {
        RequireAppRole();
        Create.Table("platform_audit_entries")
            .WithColumn("seq").AsInt64().NotNullable().PrimaryKey("pk_platform_audit_entries")
            .WithColumn("id").AsGuid().NotNullable().Unique("ux_platform_audit_entries_id")
            .WithColumn("occurred_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("actor").AsString(200).NotNullable()
            .WithColumn("action").AsString(100).NotNullable()
            .WithColumn("entity_type").AsString(50).NotNullable()
            .WithColumn("entity_id").AsGuid().NotNullable()
            .WithColumn("details").AsCustom(Text).NotNullable()
            .WithColumn("trace_id").AsString(64).Nullable()
            .WithColumn("prev_hash").AsString(64).NotNullable()
            .WithColumn("hash").AsString(64).NotNullable();
        Index("ix_platform_audit_entries_entity", "platform_audit_entries", "entity_id", "seq");
        GrantToApp("platform_audit_entries", "SELECT, INSERT");

        Create.Table("tenant_offboardings")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_tenant_offboardings")
            .WithColumn("requested_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("requested_by").AsString(200).NotNullable()
            .WithColumn("export_entry_seq").AsInt64().Nullable()
            .WithColumn("without_export_reason").AsString(500).Nullable()
            .WithColumn("keys_destroyed_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("current_table").AsString(100).Nullable()
            .WithColumn("rows_deleted").AsInt64().NotNullable().WithDefaultValue(0)
            .WithColumn("batches").AsInt64().NotNullable().WithDefaultValue(0)
            .WithColumn("lease_owner").AsString(100).Nullable()
            .WithColumn("lease_until").AsCustom(Timestamptz).Nullable()
            .WithColumn("completed_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        GrantToApp("tenant_offboardings", "SELECT, INSERT, UPDATE");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            CREATE FUNCTION platform_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'platform_audit_entries is append-only: % refused', TG_OP USING ERRCODE = '42501';
            END
            $$;
            REVOKE ALL ON FUNCTION platform_audit_append_only() FROM PUBLIC;
            CREATE TRIGGER platform_audit_no_update_delete BEFORE UPDATE OR DELETE ON platform_audit_entries
                FOR EACH ROW EXECUTE FUNCTION platform_audit_append_only();
            CREATE TRIGGER platform_audit_no_truncate BEFORE TRUNCATE ON platform_audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_append_only();

            {AppendOnlyAuditFunction(admitOffboarding: true)}

            -- Whether the transaction's tenant may be deleted: suspended, with an unfinished offboarding whose keys are gone.
            CREATE FUNCTION offboarding_tenant() RETURNS uuid
                LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
            BEGIN
                IF tenant IS NULL
                   OR NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = tenant AND t.status = 'suspended')
                   OR NOT EXISTS (SELECT 1 FROM public.tenant_offboardings o
                                  WHERE o.id = tenant AND o.keys_destroyed_at IS NOT NULL AND o.completed_at IS NULL) THEN
                    RAISE EXCEPTION 'offboarding: the transaction''s tenant is not being offboarded' USING ERRCODE = '42501';
                END IF;
                RETURN tenant;
            END
            $$;
            REVOKE ALL ON FUNCTION offboarding_tenant() FROM PUBLIC;

            -- Up to p_limit rows of the transaction's tenant from one table with a tenant_id column (named by the catalogue).
            CREATE FUNCTION offboarding_delete_batch(p_table text, p_limit integer) RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                tenant uuid := public.offboarding_tenant();
                deleted integer;
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM information_schema.columns c
                               JOIN pg_catalog.pg_class k ON k.relname = c.table_name
                               JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
                               WHERE c.table_schema = 'public' AND c.table_name = p_table AND c.column_name = 'tenant_id'
                                 AND k.relkind IN ('r', 'p') AND NOT k.relispartition) THEN
                    RAISE EXCEPTION 'offboarding: % is not a tenant table', p_table USING ERRCODE = '42501';
                END IF;
                PERFORM set_config('cms.offboarding_tenant', tenant::text, true);
                EXECUTE format(
                    'DELETE FROM public.%I WHERE tenant_id = $1 AND (tableoid, ctid) IN '
                    '(SELECT tableoid, ctid FROM public.%I WHERE tenant_id = $1 LIMIT $2)', p_table, p_table)
                    USING tenant, least(greatest(coalesce(p_limit, 0), 1), {MaxDeleteBatch});
                GET DIAGNOSTICS deleted = ROW_COUNT;
                PERFORM set_config('cms.offboarding_tenant', '', true);
                RETURN deleted;
            END
            $$;
            REVOKE ALL ON FUNCTION offboarding_delete_batch(text, integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION offboarding_delete_batch(text, integer) TO {AppRole};

            -- The registry admits reads to all and writes on the platform path only (TenantRegistryWrites); a DELETE
            -- only to the owner (so only inside these functions) and only of the transaction's own tenant.
            CREATE POLICY tenants_offboarding_delete ON tenants FOR DELETE TO CURRENT_USER USING ({TenantRegistryCondition});

            -- The registry row, once no tenant table holds a row of the tenant (the foreign keys refuse it otherwise).
            CREATE FUNCTION offboarding_delete_tenant() RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                tenant uuid := public.offboarding_tenant();
                deleted integer;
            BEGIN
                DELETE FROM public.tenants WHERE id = tenant;
                GET DIAGNOSTICS deleted = ROW_COUNT;
                IF deleted <> 1 THEN
                    RAISE EXCEPTION 'offboarding: the registry row was not deleted' USING ERRCODE = '55000';
                END IF;
                RETURN deleted;
            END
            $$;
            REVOKE ALL ON FUNCTION offboarding_delete_tenant() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION offboarding_delete_tenant() TO {AppRole};
            """);
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DROP FUNCTION offboarding_delete_tenant();
            DROP FUNCTION offboarding_delete_batch(text, integer);
            DROP FUNCTION offboarding_tenant();
            DROP POLICY tenants_offboarding_delete ON tenants;
            {AppendOnlyAuditFunction(admitOffboarding: false)}
            DROP TRIGGER platform_audit_no_truncate ON platform_audit_entries;
            DROP TRIGGER platform_audit_no_update_delete ON platform_audit_entries;
            DROP FUNCTION platform_audit_append_only();
            """);
        RevokeFromApp("tenant_offboardings");
        Delete.Table("tenant_offboardings");
        RevokeFromApp("platform_audit_entries");
        Delete.Table("platform_audit_entries");
    }

    /// <summary>The registry row of the transaction's tenant (its id is the tenant).</summary>
    private const string TenantRegistryCondition = "id = nullif(current_setting('app.tenant_id', true), '')::uuid";

    /// <summary>
    /// The audit trigger's function as ChainSealing left it (linking admitted), and with <paramref name="admitOffboarding"/>
    /// a DELETE of an entry of the tenant that <c>offboarding_delete_batch</c> is deleting (it names the tenant in a
    /// transaction setting, and the tenant must still be being offboarded: keys destroyed, not completed).
    /// </summary>
    private static string AppendOnlyAuditFunction(bool admitOffboarding) => $"""
        CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- The one update allowed: linking an unlinked entry into its chain, once, content untouched.
            IF TG_OP = 'UPDATE' AND OLD.seq = 0 AND OLD.hash = '' AND NEW.seq > 0 AND NEW.hash <> ''
               AND (to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash']) = (to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash']) THEN
                RETURN NEW;
            END IF;
        {(admitOffboarding ? """
                -- An offboarded tenant's entries go with it (docs/adr/0018-tenant-offboarding.md).
                IF TG_OP = 'DELETE' AND current_setting('cms.offboarding_tenant', true) = OLD.tenant_id::text
                   AND EXISTS (SELECT 1 FROM public.tenant_offboardings o
                               WHERE o.id = OLD.tenant_id AND o.keys_destroyed_at IS NOT NULL AND o.completed_at IS NULL) THEN
                    RETURN OLD;
                END IF;
            """ : "")}
            RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = '42501';
        END
        $$;
        """;
}
