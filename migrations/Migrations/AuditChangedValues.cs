using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Audit with values (issue 19 item 7): audit_entries.changed_values, the JSON document of the changed fields' old and
/// new values, personal ones sealed under the consumer's key by the service; the entry's HMAC covers it as stored. NULL
/// for entries that name fields only (every entry written before). On PostgreSQL the column is added to the partitioned
/// parent and reaches every partition; nullable without a default, so no partition is rewritten. The append-only trigger
/// compares whole rows (minus the link columns), so the new column is protected like the others.
/// </summary>
[Migration(202612070210, "audit_entries.changed_values: old and new values of changed fields, personal ones sealed")]
public sealed class AuditChangedValues : CmsMigration
{
    public override void Up() => Alter.Table("audit_entries").AddColumn("changed_values").AsCustom(Text).Nullable();

    public override void Down() => Delete.Column("changed_values").FromTable("audit_entries");
}
