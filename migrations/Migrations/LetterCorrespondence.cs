using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Regulated correspondence and deadline alerts (issue 20, docs/adr/0016-letters-and-deadline-alerts.md). Three tenant
/// tables under row-level security: letter_templates (one row per published version of a letter type; versions are
/// immutable, as taxonomies), letters (the send log: each rendered letter sealed under its consumer's key, with its
/// template version, content hash, approval and sending) and deadline_alerts (one marker row per deadline, alert kind
/// and due instant, written in the transaction that emits the alert's event: the marker is what makes the event happen
/// once across instances and restarts; no per-tenant row is updated, so alerts never queue writers behind one another).
/// </summary>
[Migration(202612070300, "Letters: letter_templates, letters (send log), deadline_alerts (tenant, RLS)")]
public sealed class LetterCorrespondence : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["letter_templates", "letters", "deadline_alerts"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("letter_templates")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_letter_templates")
            .WithColumn("type").AsString(40).NotNullable().PrimaryKey("pk_letter_templates")
            .WithColumn("version").AsInt32().NotNullable().PrimaryKey("pk_letter_templates")
            .WithColumn("id").AsGuid().NotNullable()
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("subject").AsCustom(Text).Nullable()
            .WithColumn("body_text").AsCustom(Text).NotNullable()
            .WithColumn("body_html").AsCustom(Text).Nullable()
            .WithColumn("requires_approval").AsBoolean().NotNullable()
            .WithColumn("attachments").AsCustom(Text).NotNullable()
            .WithColumn("published_by").AsGuid().Nullable()
            .WithColumn("published_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_letter_templates_tenant", "letter_templates", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_letter_templates_id").OnTable("letter_templates").Columns("tenant_id", "id");
        IsolateTenantTable("letter_templates", "SELECT, INSERT");

        Create.Table("letters")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_letters")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_letters")
            .WithColumn("complaint_id").AsGuid().NotNullable()
            .WithColumn("type").AsString(40).NotNullable()
            .WithColumn("template_id").AsGuid().NotNullable()
            .WithColumn("template_version").AsInt32().NotNullable()
            .WithColumn("rules").AsString(80).NotNullable()
            .WithColumn("rules_version").AsInt32().NotNullable()
            .WithColumn("satisfied").AsCustom(Text).NotNullable()
            .WithColumn("status").AsString(20).NotNullable()
            .WithColumn("subject").AsCustom(Text).Nullable()
            .WithColumn("body_text").AsCustom(Text).NotNullable()
            .WithColumn("body_html").AsCustom(Text).Nullable()
            .WithColumn("resolution").AsCustom(Text).Nullable()
            .WithColumn("content_hash").AsString(64).NotNullable()
            .WithColumn("requires_approval").AsBoolean().NotNullable()
            .WithColumn("author_id").AsGuid().NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("approved_by").AsGuid().Nullable()
            .WithColumn("approved_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("channel").AsString(20).Nullable()
            .WithColumn("sent_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_letters_complaint", "letters", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);
        Index("ix_letters_complaint", "letters", "tenant_id", "complaint_id", "created_at", "id");
        IsolateTenantTable("letters", "SELECT, INSERT, UPDATE");

        Create.Table("deadline_alerts")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_deadline_alerts")
            .WithColumn("complaint_id").AsGuid().NotNullable().PrimaryKey("pk_deadline_alerts")
            .WithColumn("kind").AsString(50).NotNullable().PrimaryKey("pk_deadline_alerts")
            .WithColumn("alert").AsString(20).NotNullable().PrimaryKey("pk_deadline_alerts")
            .WithColumn("due_at").AsCustom(Timestamptz).NotNullable().PrimaryKey("pk_deadline_alerts")
            .WithColumn("emitted_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_deadline_alerts_complaint", "deadline_alerts", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);
        IsolateTenantTable("deadline_alerts", "SELECT, INSERT");
    }

    public override void Down()
    {
        RemoveTenantIsolation("deadline_alerts");
        Delete.Table("deadline_alerts");
        RemoveTenantIsolation("letters");
        Delete.Table("letters");
        RemoveTenantIsolation("letter_templates");
        Delete.Table("letter_templates");
    }
}
