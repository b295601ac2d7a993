using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Consumers' personal data protected at rest (security.md 10–12). Every personal column of consumers becomes
/// application-level ciphertext (AES-256-GCM; text "v1:" + base64 of nonce | ciphertext | tag), exact-match lookups go
/// through blind indexes (HMAC-SHA-256 hex of the normalised value under a per-tenant key: email_bidx, phone_bidx,
/// external_ref_bidx, the last one unique per tenant), and erased_at marks an erased consumer. tenant_keys holds each
/// tenant's key wrapped with a master key (configuration or KMS; master_key_version says which), consumer_keys one data
/// key per consumer wrapped with the tenant key; erasure sets consumer_keys.wrapped_key to NULL, which makes every copy
/// of that consumer's ciphertext (backups included) unreadable.
/// </summary>
/// <remarks>
/// The consumers table is recreated with the new shape rather than altered: SQLite cannot drop columns that carry
/// indexes or constraints, and there is no production data yet, so nothing is moved (the old table must be empty; on a
/// database holding consumers or complaints this migration fails on the foreign keys instead of losing data). The
/// name, primary key (tenant_id, id) and the foreign key from complaints stay: on SQLite the child's foreign key
/// (inside complaints' CREATE TABLE) refers to the parent by name and is resolved when used, so it holds for the new
/// table; on PostgreSQL the constraint is dropped before and added again after. Every key and index leads with
/// tenant_id. cms_app may UPDATE consumer_keys (to destroy a key at erasure) and never DELETE.
/// </remarks>
[Migration(202611250003, "Consumer encryption: ciphertext columns, blind indexes, erased_at; tenant_keys and consumer_keys")]
public sealed class ConsumerEncryption : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["tenant_keys", "consumer_keys"];

    public override void Up()
    {
        RequireAppRole();

        IfDatabase(ProcessorIdConstants.PostgreSQL).Delete.ForeignKey("fk_complaints_consumer").OnTable("complaints");
        Delete.Table("consumers");

        Create.Table("consumers")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("external_ref").AsCustom(Text).Nullable()
            .WithColumn("external_ref_bidx").AsString(64).Nullable()
            .WithColumn("full_name").AsCustom(Text).Nullable()
            .WithColumn("email").AsCustom(Text).Nullable()
            .WithColumn("email_bidx").AsString(64).Nullable()
            .WithColumn("phone").AsCustom(Text).Nullable()
            .WithColumn("phone_bidx").AsString(64).Nullable()
            .WithColumn("address").AsCustom(Text).Nullable()
            .WithColumn("date_of_birth").AsCustom(Text).Nullable()
            .WithColumn("vulnerability").AsCustom(Text).Nullable()
            .WithColumn("legal_hold").AsBoolean().NotNullable().WithDefaultValue(false)
            .WithColumn("erased_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_consumers_tenant", "consumers", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_consumers_external_ref_bidx").OnTable("consumers").Columns("tenant_id", "external_ref_bidx");
        Index("ix_consumers_email_bidx", "consumers", "tenant_id", "email_bidx");
        Index("ix_consumers_phone_bidx", "consumers", "tenant_id", "phone_bidx");
        IsolateTenantTable("consumers", "SELECT, INSERT, UPDATE");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey("fk_complaints_consumer")
            .FromTable("complaints").ForeignColumns("tenant_id", "consumer_id")
            .ToTable("consumers").PrimaryColumns("tenant_id", "id");

        Create.Table("tenant_keys")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_tenant_keys")
            .WithColumn("version").AsInt32().NotNullable().PrimaryKey("pk_tenant_keys")
            .WithColumn("wrapped_key").AsCustom(Text).NotNullable()
            .WithColumn("master_key_version").AsString(64).NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_tenant_keys_tenant", "tenant_keys", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("tenant_keys", "SELECT, INSERT, UPDATE");

        Create.Table("consumer_keys")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_consumer_keys")
            .WithColumn("consumer_id").AsGuid().NotNullable().PrimaryKey("pk_consumer_keys")
            .WithColumn("wrapped_key").AsCustom(Text).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_consumer_keys_consumer", "consumer_keys", ["tenant_id", "consumer_id"], "consumers", ["tenant_id", "id"]);
        IsolateTenantTable("consumer_keys", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RemoveTenantIsolation("consumer_keys");
        Delete.Table("consumer_keys");
        RemoveTenantIsolation("tenant_keys");
        Delete.Table("tenant_keys");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Delete.ForeignKey("fk_complaints_consumer").OnTable("complaints");
        Delete.Table("consumers");
        Create.Table("consumers")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("external_ref").AsString(100).NotNullable()
            .WithColumn("full_name").AsString(200).NotNullable()
            .WithColumn("email").AsString(254).Nullable()
            .WithColumn("phone").AsString(32).Nullable()
            .WithColumn("address").AsCustom(Text).Nullable()
            .WithColumn("date_of_birth").AsDate().Nullable()
            .WithColumn("vulnerability").AsCustom(Text).Nullable()
            .WithColumn("legal_hold").AsBoolean().NotNullable().WithDefaultValue(false)
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_consumers_tenant", "consumers", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_consumers_external_ref").OnTable("consumers").Columns("tenant_id", "external_ref");
        Index("ix_consumers_email", "consumers", "tenant_id", "email");
        IsolateTenantTable("consumers", "SELECT, INSERT, UPDATE");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey("fk_complaints_consumer")
            .FromTable("complaints").ForeignColumns("tenant_id", "consumer_id")
            .ToTable("consumers").PrimaryColumns("tenant_id", "id");
    }
}
