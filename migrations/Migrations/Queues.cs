using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Work queues (domain.md "agent: handle complaints assigned to them or unassigned in their queue"). Two tenant tables
/// under row-level security: queues (a tenant's queues by code, e.g. "cards"; retired, never deleted, so a complaint's
/// queue and the audit trail keep pointing at something) and staff_queues (which queues a staff member works; a
/// membership that ends is marked inactive, never deleted: cms_app has no DELETE anywhere). One new
/// complaint column, queue_id (at most one queue per complaint), with the list and due-list indexes per queue, each
/// leading with tenant_id and ending in the keyset order.
/// </summary>
/// <remarks>
/// SQLite cannot add a constraint to an existing table, so complaints.queue_id references queues on PostgreSQL only
/// (the application sets it from a queue of the tenant in both cases), as merged_into_id does. The partial indexes
/// for "unassigned in a queue" carry <c>assignee_id IS NULL</c> in their WHERE, the same text the queries use.
/// </remarks>
[Migration(202611250100, "Queues: queues and staff_queues (tenant, RLS); complaints.queue_id with list and due-list indexes per queue")]
public sealed class Queues : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["queues", "staff_queues"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("queues")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_queues")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_queues")
            .WithColumn("code").AsString(50).NotNullable()
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("retired_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_queues_tenant", "queues", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_queues_code").OnTable("queues").Columns("tenant_id", "code");
        Index("ix_queues_created", "queues", "tenant_id", "created_at", "id");
        IsolateTenantTable("queues", "SELECT, INSERT, UPDATE");

        Create.Table("staff_queues")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_staff_queues")
            .WithColumn("staff_id").AsGuid().NotNullable().PrimaryKey("pk_staff_queues")
            .WithColumn("queue_id").AsGuid().NotNullable().PrimaryKey("pk_staff_queues")
            .WithColumn("active").AsBoolean().NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_staff_queues_staff", "staff_queues", ["tenant_id", "staff_id"], "staff_users", ["tenant_id", "id"]);
        ForeignKey("fk_staff_queues_queue", "staff_queues", ["tenant_id", "queue_id"], "queues", ["tenant_id", "id"]);
        Index("ix_staff_queues_queue", "staff_queues", "tenant_id", "queue_id", "staff_id");
        IsolateTenantTable("staff_queues", "SELECT, INSERT, UPDATE");

        Alter.Table("complaints").AddColumn("queue_id").AsGuid().Nullable();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey("fk_complaints_queue")
            .FromTable("complaints").ForeignColumns("tenant_id", "queue_id")
            .ToTable("queues").PrimaryColumns("tenant_id", "id");
        Index("ix_complaints_queue", "complaints", "tenant_id", "queue_id", "received_at", "id");
        Execute.Sql("CREATE INDEX ix_complaints_queue_unassigned ON complaints (tenant_id, queue_id, received_at, id) WHERE assignee_id IS NULL");
        Execute.Sql("CREATE INDEX ix_complaints_due_queue ON complaints (tenant_id, queue_id, next_due_at, id) WHERE next_due_at IS NOT NULL");
        Execute.Sql("""
            CREATE INDEX ix_complaints_due_queue_unassigned ON complaints (tenant_id, queue_id, next_due_at, id)
            WHERE next_due_at IS NOT NULL AND assignee_id IS NULL
            """);
    }

    public override void Down()
    {
        Execute.Sql("DROP INDEX ix_complaints_due_queue_unassigned");
        Execute.Sql("DROP INDEX ix_complaints_due_queue");
        Execute.Sql("DROP INDEX ix_complaints_queue_unassigned");
        Delete.Index("ix_complaints_queue").OnTable("complaints");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Delete.ForeignKey("fk_complaints_queue").OnTable("complaints");
        Delete.Column("queue_id").FromTable("complaints");
        RemoveTenantIsolation("staff_queues");
        Delete.Table("staff_queues");
        RemoveTenantIsolation("queues");
        Delete.Table("queues");
    }
}
