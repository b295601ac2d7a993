using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// consumers.sealed_fields (issue 18 item 4, docs/adr/0024-consumer-fields-sealed-together.md): a consumer's seven
/// personal fields sealed together, one AES-256-GCM value under the consumer's data key ("v2:" + base64 of nonce |
/// ciphertext | tag), where each field had a value of its own ("v1:" in its own column). The service writes it for every
/// consumer it seals from now on and leaves the seven columns NULL; rows written before keep their "v1:" columns and are
/// read as they are (nothing is rewritten here: no data moves, no key is needed). Nullable without a default, so the
/// table is not rewritten on PostgreSQL; erasure clears it with the other ciphertext.
/// </summary>
[Migration(202612140100, "consumers.sealed_fields: a consumer's personal fields sealed together (one AES-GCM value)")]
public sealed class ConsumerSealedFields : CmsMigration
{
    public override void Up() => Alter.Table("consumers").AddColumn("sealed_fields").AsCustom(Text).Nullable();

    public override void Down() => Delete.Column("sealed_fields").FromTable("consumers");
}
