using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Finding complaints without plaintext (issue 19): complaint_keywords, the blind keyword index (one row per distinct
/// normalised word of a description or a note: an HMAC under a per-tenant key, never the word), and the list indexes
/// of the filters api.md names that had none (product, channel, vulnerable), each leading with tenant_id and ending in
/// the list's keyset order (received_at, id). An erased consumer's words are cleared (word_hash NULL; the service
/// deletes nothing), and the partial index on word_hash leaves them out.
/// </summary>
[Migration(202612060710, "Complaint search: complaint_keywords (blind keyword index), list indexes for product, channel, vulnerable")]
public sealed class ComplaintSearch : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["complaint_keywords"];

    public override void Up()
    {
        RequireAppRole();

        Create.Table("complaint_keywords")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_keywords")
            .WithColumn("complaint_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_keywords")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_complaint_keywords")
            .WithColumn("word_hash").AsString(64).Nullable();
        ForeignKey("fk_complaint_keywords_complaint", "complaint_keywords", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);
        Execute.Sql("CREATE INDEX ix_complaint_keywords_word ON complaint_keywords (tenant_id, word_hash, complaint_id) WHERE word_hash IS NOT NULL");
        IsolateTenantTable("complaint_keywords", "SELECT, INSERT, UPDATE");

        Index("ix_complaints_product", "complaints", "tenant_id", "product", "received_at", "id");
        Index("ix_complaints_channel", "complaints", "tenant_id", "channel", "received_at", "id");
        Index("ix_complaints_vulnerable", "complaints", "tenant_id", "vulnerability_involved", "received_at", "id");
    }

    public override void Down()
    {
        Delete.Index("ix_complaints_vulnerable").OnTable("complaints");
        Delete.Index("ix_complaints_channel").OnTable("complaints");
        Delete.Index("ix_complaints_product").OnTable("complaints");
        Execute.Sql("DROP INDEX ix_complaint_keywords_word");
        RemoveTenantIsolation("complaint_keywords");
        Delete.Table("complaint_keywords");
    }
}
