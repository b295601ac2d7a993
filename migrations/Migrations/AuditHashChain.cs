using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// The tamper-evident audit trail: each entry gets its position in the tenant's chain, the previous entry's hash and its
/// own (an HMAC computed by the service with a key the database never holds); audit_chain_heads keeps the end of each
/// tenant's chain, and its row lock serialises a tenant's writers. On PostgreSQL a trigger refuses UPDATE, DELETE and
/// TRUNCATE of audit entries for everyone (on top of cms_app's INSERT/SELECT-only grants).
/// </summary>
/// <remarks>Entries written before this migration keep sequence 0 and show as unchained when the chain is verified.</remarks>
[Migration(202611250002, "Audit hash chain: sequence, previous hash and hash per entry; chain heads; append-only trigger")]
public sealed class AuditHashChain : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema-gate tests).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["audit_chain_heads"];

    public override void Up()
    {
        Alter.Table("audit_entries")
            .AddColumn("seq").AsInt64().NotNullable().WithDefaultValue(0)
            .AddColumn("prev_hash").AsString(64).NotNullable().WithDefaultValue("")
            .AddColumn("hash").AsString(64).NotNullable().WithDefaultValue("");
        Index("ix_audit_entries_seq", "audit_entries", "tenant_id", "seq");

        Create.Table("audit_chain_heads")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_audit_chain_heads")
            .WithColumn("last_seq").AsInt64().NotNullable()
            .WithColumn("last_hash").AsString(64).NotNullable();
        ForeignKey("fk_audit_chain_heads_tenant", "audit_chain_heads", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("audit_chain_heads", "SELECT, INSERT, UPDATE");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = '42501';
            END
            $$;
            REVOKE ALL ON FUNCTION audit_entries_append_only() FROM PUBLIC;
            CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
            CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
            """);
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries;
            DROP TRIGGER IF EXISTS audit_entries_no_update_delete ON audit_entries;
            DROP FUNCTION IF EXISTS audit_entries_append_only();
            """);
        RemoveTenantIsolation("audit_chain_heads");
        Delete.Table("audit_chain_heads");
        Delete.Index("ix_audit_entries_seq").OnTable("audit_entries");
        Delete.Column("hash").Column("prev_hash").Column("seq").FromTable("audit_entries");
    }
}
