using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Regulation E provisional credit (issue 7, the "or" branches of the deadline rules): complaints.provisional_credit_at,
/// when the firm provisionally credited the consumer's account. Under US banking version 3 it meets the 10-business-day
/// investigation deadline and makes the 45-day one bind (docs/regulatory-clocks.md). A nullable column on both
/// databases alike; no index (it is read with its complaint, never searched).
/// </summary>
[Migration(202611250090, "Complaints: provisional_credit_at (Regulation E)")]
public sealed class ProvisionalCredit : CmsMigration
{
    public override void Up() =>
        Alter.Table("complaints").AddColumn("provisional_credit_at").AsCustom(Timestamptz).Nullable();

    public override void Down() =>
        Delete.Column("provisional_credit_at").FromTable("complaints");
}
