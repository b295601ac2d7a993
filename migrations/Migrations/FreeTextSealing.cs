using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Free text sealed under the consumer's key (issue 19, docs/adr/0013-free-text-sealing.md): complaints.text_sealed and
/// complaint_notes.text_sealed say whether a row's free text is ciphertext (true for every row written since) or still the
/// plaintext of before (false; converted online by <c>seal-free-text</c>, or on the row's next write);
/// complaints.vulnerability_details holds the FCA FG21/1 drivers and the consent time, sealed, instead of the plain
/// boolean columns, which sealed rows leave false. complaint_vulnerability_tallies keeps what the regulator's return
/// still counts once the drivers are sealed (and after an erasure): per tenant, hour of receipt and driver, how many
/// complaints; no complaint id, nothing about a person. On PostgreSQL the free-text columns become text (a sealed value
/// is longer than its plaintext; varchar to text is binary-coercible, no table rewrite); SQLite never enforced the lengths.
/// </summary>
[Migration(202612060700, "Free text sealed: text_sealed flags, complaints.vulnerability_details, complaint_vulnerability_tallies")]
public sealed class FreeTextSealing : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["complaint_vulnerability_tallies"];

    public override void Up()
    {
        RequireAppRole();

        Alter.Table("complaints").AddColumn("text_sealed").AsBoolean().NotNullable().WithDefaultValue(false);
        Alter.Table("complaints").AddColumn("vulnerability_details").AsCustom(Text).Nullable();
        Alter.Table("complaint_notes").AddColumn("text_sealed").AsBoolean().NotNullable().WithDefaultValue(false);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql(
            """
            ALTER TABLE complaints ALTER COLUMN description TYPE text, ALTER COLUMN redress_non_monetary TYPE text,
                ALTER COLUMN referral_body TYPE text, ALTER COLUMN referral_reference TYPE text;
            ALTER TABLE complaint_notes ALTER COLUMN body TYPE text;
            """);

        // Notes stay append-only for the service but for their sealing (the conversion, and tombstones at erasure).
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"GRANT UPDATE (body, text_sealed) ON complaint_notes TO {AppRole}");

        // The rows still to convert, found without a scan (the partial index is empty once all are sealed).
        Execute.Sql("CREATE INDEX ix_complaints_text_unsealed ON complaints (tenant_id, id) WHERE text_sealed = false");
        Execute.Sql("CREATE INDEX ix_complaint_notes_text_unsealed ON complaint_notes (tenant_id, id) WHERE text_sealed = false");

        Create.Table("complaint_vulnerability_tallies")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_vulnerability_tallies")
            .WithColumn("received_hour").AsCustom(Timestamptz).NotNullable().PrimaryKey("pk_complaint_vulnerability_tallies")
            .WithColumn("driver").AsString(30).NotNullable().PrimaryKey("pk_complaint_vulnerability_tallies")
            .WithColumn("complaints").AsInt64().NotNullable();
        ForeignKey("fk_complaint_vulnerability_tallies_tenant", "complaint_vulnerability_tallies", ["tenant_id"], "tenants", ["id"]);
        IsolateTenantTable("complaint_vulnerability_tallies", "SELECT, INSERT, UPDATE");
    }

    public override void Down()
    {
        RemoveTenantIsolation("complaint_vulnerability_tallies");
        Delete.Table("complaint_vulnerability_tallies");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"REVOKE UPDATE (body, text_sealed) ON complaint_notes FROM {AppRole}");
        Execute.Sql("DROP INDEX ix_complaint_notes_text_unsealed");
        Execute.Sql("DROP INDEX ix_complaints_text_unsealed");
        Delete.Column("text_sealed").FromTable("complaint_notes");
        Delete.Column("vulnerability_details").FromTable("complaints");
        Delete.Column("text_sealed").FromTable("complaints");
    }
}
