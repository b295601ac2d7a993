using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// Legal entities inside a tenant (issue 21: the FCA consolidated return, PS25/19, is made per authorised firm): the
/// tenant table legal_entities under row-level security, and one new complaint column, legal_entity_id, with the two
/// return indexes (by receipt and by closure per entity).
/// </summary>
/// <remarks>
/// Every existing tenant gets its default legal entity, whose id is the tenant's id (so no id is generated here, on
/// either database), and its complaints are assigned to it. On PostgreSQL that runs tenant by tenant under
/// set_config(..., true), because the owner too is subject to the forced row-level security of complaints.
/// complaints.legal_entity_id references legal_entities on PostgreSQL only (SQLite cannot add a constraint to an existing
/// table), as queue_id does.
/// </remarks>
[Migration(202612060500, "Legal entities (tenant, RLS), a default one per tenant; complaints.legal_entity_id")]
public sealed class LegalEntities : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["legal_entities"];

    private const string DefaultEntities = """
        INSERT INTO legal_entities (tenant_id, id, name, firm_reference_number, permissions, created_at, updated_at, version)
        SELECT t.id, t.id, t.name, NULL, CASE WHEN t.sector = 'banking' AND t.jurisdiction = 'UK' THEN 'banking' ELSE '' END,
               t.created_at, t.created_at, 1
        FROM tenants t
        """;

    private const string AssignComplaints = "UPDATE complaints SET legal_entity_id = tenant_id WHERE legal_entity_id IS NULL";

    public override void Up()
    {
        RequireAppRole();

        Create.Table("legal_entities")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_legal_entities")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_legal_entities")
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("firm_reference_number").AsString(7).Nullable()
            .WithColumn("permissions").AsString(400).NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_legal_entities_tenant", "legal_entities", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_legal_entities_frn").OnTable("legal_entities").Columns("tenant_id", "firm_reference_number");
        Index("ix_legal_entities_created", "legal_entities", "tenant_id", "created_at", "id");

        // Rows first, policy after: the owner writes them before row-level security is forced on the table.
        Execute.Sql(DefaultEntities);
        IsolateTenantTable("legal_entities", "SELECT, INSERT, UPDATE");

        Alter.Table("complaints").AddColumn("legal_entity_id").AsGuid().Nullable();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Create.ForeignKey("fk_complaints_legal_entity")
            .FromTable("complaints").ForeignColumns("tenant_id", "legal_entity_id")
            .ToTable("legal_entities").PrimaryColumns("tenant_id", "id");
        IfDatabase(ProcessorIdConstants.SQLite).Execute.Sql(AssignComplaints);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DO $$
            DECLARE t record;
            BEGIN
                FOR t IN SELECT id FROM tenants LOOP
                    PERFORM set_config('app.tenant_id', t.id::text, true);
                    {AssignComplaints} AND tenant_id = t.id;
                END LOOP;
                PERFORM set_config('app.tenant_id', '', true);
            END
            $$;
            """);
        Index("ix_complaints_entity_received", "complaints", "tenant_id", "legal_entity_id", "received_at");
        Index("ix_complaints_entity_closed", "complaints", "tenant_id", "legal_entity_id", "closed_at");
    }

    public override void Down()
    {
        Delete.Index("ix_complaints_entity_closed").OnTable("complaints");
        Delete.Index("ix_complaints_entity_received").OnTable("complaints");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Delete.ForeignKey("fk_complaints_legal_entity").OnTable("complaints");
        Delete.Column("legal_entity_id").FromTable("complaints");
        RemoveTenantIsolation("legal_entities");
        Delete.Table("legal_entities");
    }
}
