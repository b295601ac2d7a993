using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Outcomes, classification, regulatory returns and merging (issue 7). New tenant tables: taxonomies and
/// taxonomy_entries (per-tenant, versioned, immutable once published: cms_app may only SELECT and INSERT),
/// complaint_responses (every response sent on a complaint with its date; append-only). New complaint columns: the
/// taxonomy versions product, category and root cause were chosen from; the FG21/1 vulnerability drivers (one boolean
/// each, so a return counts them with a plain aggregate) and the time the consumer consented to recording them; the
/// closure band computed by the domain when the complaint closes (so "closed within 3 business days" is a COUNT in
/// SQL on both databases); and merged_into_id, the survivor a merged duplicate points to.
/// </summary>
/// <remarks>
/// SQLite cannot add a constraint to an existing table, so the reference from merged_into_id to the survivor is a
/// foreign key on PostgreSQL only (the application sets it within the tenant in both cases). Every key and index leads
/// with tenant_id.
/// </remarks>
[Migration(202611250030, "Complaint outcomes: taxonomies, responses, vulnerability drivers with consent, closure band, merge")]
public sealed class ComplaintOutcomes : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["taxonomies", "taxonomy_entries", "complaint_responses"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("taxonomies")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_taxonomies")
            .WithColumn("kind").AsString(20).NotNullable().PrimaryKey("pk_taxonomies")
            .WithColumn("version").AsInt32().NotNullable().PrimaryKey("pk_taxonomies")
            .WithColumn("id").AsGuid().NotNullable()
            .WithColumn("entry_count").AsInt32().NotNullable()
            .WithColumn("published_by").AsGuid().Nullable()
            .WithColumn("published_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_taxonomies_tenant", "taxonomies", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_taxonomies_id").OnTable("taxonomies").Columns("tenant_id", "id");
        IsolateTenantTable("taxonomies", "SELECT, INSERT");

        Create.Table("taxonomy_entries")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_taxonomy_entries")
            .WithColumn("kind").AsString(20).NotNullable().PrimaryKey("pk_taxonomy_entries")
            .WithColumn("version").AsInt32().NotNullable().PrimaryKey("pk_taxonomy_entries")
            .WithColumn("code").AsString(100).NotNullable().PrimaryKey("pk_taxonomy_entries")
            .WithColumn("label").AsString(200).NotNullable()
            .WithColumn("position").AsInt32().NotNullable();
        ForeignKey("fk_taxonomy_entries_taxonomy", "taxonomy_entries", ["tenant_id", "kind", "version"], "taxonomies",
            ["tenant_id", "kind", "version"]);
        IsolateTenantTable("taxonomy_entries", "SELECT, INSERT");

        Create.Table("complaint_responses")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_responses")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_complaint_responses")
            .WithColumn("complaint_id").AsGuid().NotNullable()
            .WithColumn("type").AsString(30).NotNullable()
            .WithColumn("sent_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("recorded_by").AsGuid().Nullable()
            .WithColumn("recorded_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_complaint_responses_complaint", "complaint_responses", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);
        Index("ix_complaint_responses_complaint", "complaint_responses", "tenant_id", "complaint_id", "sent_at");
        IsolateTenantTable("complaint_responses", "SELECT, INSERT");

        // One ALTER per column: SQLite adds columns one at a time.
        Alter.Table("complaints").AddColumn("product_taxonomy_version").AsInt32().Nullable();
        Alter.Table("complaints").AddColumn("category_taxonomy_version").AsInt32().Nullable();
        Alter.Table("complaints").AddColumn("root_cause_taxonomy_version").AsInt32().Nullable();
        Alter.Table("complaints").AddColumn("vulnerability_health").AsBoolean().NotNullable().WithDefaultValue(false);
        Alter.Table("complaints").AddColumn("vulnerability_life_event").AsBoolean().NotNullable().WithDefaultValue(false);
        Alter.Table("complaints").AddColumn("vulnerability_resilience").AsBoolean().NotNullable().WithDefaultValue(false);
        Alter.Table("complaints").AddColumn("vulnerability_capability").AsBoolean().NotNullable().WithDefaultValue(false);
        Alter.Table("complaints").AddColumn("vulnerability_consent_at").AsCustom(Timestamptz).Nullable();
        Alter.Table("complaints").AddColumn("closure_band").AsString(40).Nullable();
        Alter.Table("complaints").AddColumn("merged_into_id").AsGuid().Nullable();
        Index("ix_complaints_closed", "complaints", "tenant_id", "closed_at");
        Index("ix_complaints_merged_into", "complaints", "tenant_id", "merged_into_id");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey("fk_complaints_merged_into")
            .FromTable("complaints").ForeignColumns("tenant_id", "merged_into_id")
            .ToTable("complaints").PrimaryColumns("tenant_id", "id");
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Delete.ForeignKey("fk_complaints_merged_into").OnTable("complaints");
        Delete.Index("ix_complaints_merged_into").OnTable("complaints");
        Delete.Index("ix_complaints_closed").OnTable("complaints");
        foreach (var column in new[]
                 {
                     "merged_into_id", "closure_band", "vulnerability_consent_at", "vulnerability_capability", "vulnerability_resilience",
                     "vulnerability_life_event", "vulnerability_health", "root_cause_taxonomy_version", "category_taxonomy_version",
                     "product_taxonomy_version",
                 })
        {
            Delete.Column(column).FromTable("complaints");
        }

        RemoveTenantIsolation("complaint_responses");
        Delete.Table("complaint_responses");
        RemoveTenantIsolation("taxonomy_entries");
        Delete.Table("taxonomy_entries");
        RemoveTenantIsolation("taxonomies");
        Delete.Table("taxonomies");
    }
}
