using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Stored answers are personal data too (issue 19 item 6): an idempotency key's recorded answer about a consumer is
/// sealed under that consumer's key. consumer_id says whose key (NULL: an answer that holds no consumer's data, kept as
/// it was); answer_ref names the resource the answer is rebuilt from once erasure destroyed the key (ids only, e.g.
/// <c>complaint:{id}</c>). Nullable columns without a default: no table rewrite on PostgreSQL.
/// </summary>
[Migration(202612070200, "idempotency_keys: consumer_id and answer_ref of answers sealed under the consumer's key")]
public sealed class SealedStoredAnswers : CmsMigration
{
    public override void Up()
    {
        Alter.Table("idempotency_keys").AddColumn("consumer_id").AsGuid().Nullable();
        Alter.Table("idempotency_keys").AddColumn("answer_ref").AsString(120).Nullable();
    }

    public override void Down()
    {
        Delete.Column("answer_ref").FromTable("idempotency_keys");
        Delete.Column("consumer_id").FromTable("idempotency_keys");
    }
}
