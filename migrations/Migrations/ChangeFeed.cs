using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// The change feed (docs/events.md): events is the transactional outbox, one row per committed change, written in the
/// change's own transaction. Its position is per tenant, handed out from audit_chain_heads.last_event_position under
/// the row lock that already serialises a tenant's writers, so positions are gap-free and in commit order: a reader
/// that has seen position n has seen every position below it. webhook_endpoints are a tenant's subscribers (the secret
/// sealed under the master key) with their delivery cursor and lease; webhook_attempts records every delivery attempt.
/// </summary>
/// <remarks>
/// Ready for monthly partitioning on PostgreSQL (issue 5): occurred_at is set once at insert and never changes, no
/// table references events by foreign key (webhook tables name positions by value), and the feed reads by
/// (tenant_id, position) alone, which a per-partition index serves. Turning events into a table partitioned by range
/// of occurred_at makes the primary key (tenant_id, position, occurred_at), as PostgreSQL requires; the uniqueness of a
/// position does not depend on that key but on the chain head counter. cms_app has no UPDATE or DELETE on events.
/// </remarks>
[Migration(202611250040, "Change feed: events (outbox), event position on audit_chain_heads, webhook endpoints and attempts")]
public sealed class ChangeFeed : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["events", "webhook_endpoints", "webhook_attempts"];

    public override void Up()
    {
        RequireAppRole();

        Alter.Table("audit_chain_heads")
            .AddColumn("last_event_position").AsInt64().NotNullable().WithDefaultValue(0);

        Create.Table("events")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_events")
            .WithColumn("position").AsInt64().NotNullable().PrimaryKey("pk_events")
            .WithColumn("id").AsGuid().NotNullable()
            .WithColumn("type").AsString(100).NotNullable()
            .WithColumn("entity_type").AsString(50).NotNullable()
            .WithColumn("entity_id").AsGuid().NotNullable()
            .WithColumn("entity_version").AsInt64().NotNullable()
            .WithColumn("changed_fields").AsCustom(Text).NotNullable()
            .WithColumn("occurred_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_events_tenant", "events", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("events", "SELECT, INSERT");

        Create.Table("webhook_endpoints")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_webhook_endpoints")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_webhook_endpoints")
            .WithColumn("url").AsString(2048).NotNullable()
            .WithColumn("event_types").AsCustom(Text).NotNullable()
            .WithColumn("secret_sealed").AsCustom(Text).NotNullable()
            .WithColumn("master_key_version").AsString(50).NotNullable()
            .WithColumn("is_active").AsBoolean().NotNullable()
            .WithColumn("is_deleted").AsBoolean().NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable()
            // Delivery state: the last position handed over (or given up on), consecutive failures of the event at
            // the head, when to try again, and the lease of the instance delivering right now.
            .WithColumn("delivered_position").AsInt64().NotNullable()
            .WithColumn("failures").AsInt32().NotNullable()
            .WithColumn("next_attempt_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("lease_owner").AsString(100).Nullable()
            .WithColumn("lease_until").AsCustom(Timestamptz).Nullable();
        ForeignKey("fk_webhook_endpoints_tenant", "webhook_endpoints", ["tenant_id"], "tenants", ["id"]);
        Index("ix_webhook_endpoints_due", "webhook_endpoints", "tenant_id", "next_attempt_at");
        IsolateTenantTable("webhook_endpoints", "SELECT, INSERT, UPDATE");

        Create.Table("webhook_attempts")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_webhook_attempts")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_webhook_attempts")
            .WithColumn("endpoint_id").AsGuid().NotNullable()
            .WithColumn("event_position").AsInt64().NotNullable()
            .WithColumn("event_id").AsGuid().NotNullable()
            .WithColumn("attempt").AsInt32().NotNullable()
            .WithColumn("attempted_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("outcome").AsString(20).NotNullable()
            .WithColumn("status_code").AsInt32().Nullable()
            .WithColumn("error").AsString(500).Nullable()
            .WithColumn("duration_ms").AsInt64().NotNullable();
        ForeignKey("fk_webhook_attempts_endpoint", "webhook_attempts", ["tenant_id", "endpoint_id"], "webhook_endpoints", ["tenant_id", "id"]);
        Index("ix_webhook_attempts_endpoint", "webhook_attempts", "tenant_id", "endpoint_id", "attempted_at", "id");
        IsolateTenantTable("webhook_attempts", "SELECT, INSERT");
    }

    public override void Down()
    {
        RemoveTenantIsolation("webhook_attempts");
        Delete.Table("webhook_attempts");
        RemoveTenantIsolation("webhook_endpoints");
        Delete.Table("webhook_endpoints");
        RemoveTenantIsolation("events");
        Delete.Table("events");
        Delete.Column("last_event_position").FromTable("audit_chain_heads");
    }
}
