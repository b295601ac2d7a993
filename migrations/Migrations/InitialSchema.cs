using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// The first schema: tenant registry, staff, consumers, complaints with their deadlines and notes, and the audit trail.
/// One definition for PostgreSQL (production) and SQLite (local runs, fast tests). Every primary, unique and foreign key
/// and every index of a tenant table leads with tenant_id. PostgreSQL additionally gets row-level security (enabled,
/// forced, one tenant_isolation policy per tenant table) and the grants for the service role cms_app, which
/// deploy/postgres/roles.sql must have created beforehand.
/// </summary>
/// <remarks>
/// Types: ids are uuid (SQLite: UNIQUEIDENTIFIER declared type, TEXT values written by the application); instants are
/// timestamptz (SQLite: TEXT values, fixed-width ISO-8601 UTC); money is bigint minor units; dates are date.
/// SQLite cannot add a foreign key to an existing table, so there the composite foreign keys are attached to the
/// CREATE TABLE statement itself (see <see cref="CmsMigration.ForeignKey"/>); on PostgreSQL they are separate named constraints.
/// </remarks>
[Migration(202611250001, "Initial schema: tenants, staff, consumers, complaints, deadlines, notes, audit; RLS and grants on PostgreSQL")]
public sealed class InitialSchema : CmsMigration
{
    /// <summary>Tenant tables in creation (foreign key) order, with what cms_app may do on each.
    /// No DELETE or TRUNCATE anywhere; notes and audit entries are never changed once written.</summary>
    internal static readonly (string Table, string Privileges)[] TenantTables =
    [
        ("staff_users", "SELECT, INSERT, UPDATE"),
        ("consumers", "SELECT, INSERT, UPDATE"),
        ("complaint_sequences", "SELECT, INSERT, UPDATE"),
        ("complaints", "SELECT, INSERT, UPDATE"),
        ("complaint_deadlines", "SELECT, INSERT, UPDATE"),
        ("complaint_notes", "SELECT, INSERT"),
        ("audit_entries", "SELECT, INSERT"),
    ];

    /// <summary>The tables that hold tenant data (tenant_id column, RLS on PostgreSQL): for the schema-gate tests.</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = [.. TenantTables.Select(t => t.Table)];

    public override void Up()
    {
        RequireAppRole();

        // ---- tenants: the registry itself (no tenant_id, no RLS) ----
        Create.Table("tenants")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_tenants")
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("sector").AsString(20).NotNullable()
            .WithColumn("jurisdiction").AsString(2).NotNullable()
            .WithColumn("status").AsString(20).NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable();

        // ---- staff_users ----
        Create.Table("staff_users")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_staff_users")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_staff_users")
            .WithColumn("subject").AsString(200).NotNullable()
            .WithColumn("email").AsString(254).NotNullable()
            .WithColumn("display_name").AsString(200).NotNullable()
            .WithColumn("kind").AsString(20).NotNullable()
            .WithColumn("roles").AsString(200).NotNullable()
            .WithColumn("is_active").AsBoolean().NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_staff_users_tenant", "staff_users", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_staff_users_subject").OnTable("staff_users").Columns("tenant_id", "subject");

        // ---- consumers ----
        Create.Table("consumers")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_consumers")
            .WithColumn("external_ref").AsString(100).NotNullable()
            .WithColumn("full_name").AsString(200).NotNullable()
            .WithColumn("email").AsString(254).Nullable()
            .WithColumn("phone").AsString(32).Nullable()
            .WithColumn("address").AsCustom(Text).Nullable()
            .WithColumn("date_of_birth").AsDate().Nullable()
            .WithColumn("vulnerability").AsCustom(Text).Nullable()
            .WithColumn("legal_hold").AsBoolean().NotNullable().WithDefaultValue(false)
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_consumers_tenant", "consumers", ["tenant_id"], "tenants", ["id"]);
        Create.UniqueConstraint("ux_consumers_external_ref").OnTable("consumers").Columns("tenant_id", "external_ref");
        Index("ix_consumers_email", "consumers", "tenant_id", "email");

        // ---- complaint_sequences: per tenant and year, the last complaint reference number handed out ----
        Create.Table("complaint_sequences")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_sequences")
            .WithColumn("year").AsInt32().NotNullable().PrimaryKey("pk_complaint_sequences")
            .WithColumn("last_value").AsInt64().NotNullable();
        ForeignKey("fk_complaint_sequences_tenant", "complaint_sequences", ["tenant_id"], "tenants", ["id"]);

        // ---- complaints ----
        Create.Table("complaints")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaints")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_complaints")
            .WithColumn("reference").AsString(20).NotNullable()
            .WithColumn("consumer_id").AsGuid().NotNullable()
            .WithColumn("channel").AsString(20).NotNullable()
            .WithColumn("product").AsString(100).NotNullable()
            .WithColumn("category").AsString(100).NotNullable()
            .WithColumn("description").AsString(10000).NotNullable()
            .WithColumn("priority").AsString(10).NotNullable()
            .WithColumn("vulnerability_involved").AsBoolean().NotNullable()
            .WithColumn("payment_services").AsBoolean().NotNullable()
            .WithColumn("disability").AsBoolean().NotNullable()
            .WithColumn("profile_code").AsString(50).NotNullable()
            .WithColumn("status").AsString(20).NotNullable()
            .WithColumn("assignee_id").AsGuid().Nullable()
            .WithColumn("received_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("acknowledged_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("summary_resolution_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("final_response_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("resolved_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("closed_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("reopened_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("outcome").AsString(20).Nullable()
            .WithColumn("redress_amount_minor").AsInt64().Nullable()
            .WithColumn("redress_currency").AsString(3).Nullable()
            .WithColumn("redress_non_monetary").AsString(2000).Nullable()
            .WithColumn("root_cause").AsString(100).Nullable()
            .WithColumn("referral_body").AsString(200).Nullable()
            .WithColumn("referral_reference").AsString(100).Nullable()
            .WithColumn("referred_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("referral_outcome").AsString(40).Nullable()
            .WithColumn("referral_outcome_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("next_due_at").AsCustom(Timestamptz).Nullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("updated_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("version").AsInt64().NotNullable();
        ForeignKey("fk_complaints_consumer", "complaints", ["tenant_id", "consumer_id"], "consumers", ["tenant_id", "id"]);
        ForeignKey("fk_complaints_assignee", "complaints", ["tenant_id", "assignee_id"], "staff_users", ["tenant_id", "id"]);
        Create.UniqueConstraint("ux_complaints_reference").OnTable("complaints").Columns("tenant_id", "reference");
        // One index per list filter, each ending in the keyset order (received_at, id).
        Index("ix_complaints_received", "complaints", "tenant_id", "received_at", "id");
        Index("ix_complaints_status", "complaints", "tenant_id", "status", "received_at", "id");
        Index("ix_complaints_assignee", "complaints", "tenant_id", "assignee_id", "received_at", "id");
        Index("ix_complaints_category", "complaints", "tenant_id", "category", "received_at", "id");
        Index("ix_complaints_consumer", "complaints", "tenant_id", "consumer_id", "received_at", "id");
        Index("ix_complaints_next_due", "complaints", "tenant_id", "next_due_at", "id");

        // ---- complaint_deadlines ----
        Create.Table("complaint_deadlines")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_deadlines")
            .WithColumn("complaint_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_deadlines")
            .WithColumn("kind").AsString(50).NotNullable().PrimaryKey("pk_complaint_deadlines")
            .WithColumn("due_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("met_at").AsCustom(Timestamptz).Nullable();
        ForeignKey("fk_complaint_deadlines_complaint", "complaint_deadlines", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);

        // ---- complaint_notes ----
        Create.Table("complaint_notes")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_complaint_notes")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_complaint_notes")
            .WithColumn("complaint_id").AsGuid().NotNullable()
            .WithColumn("kind").AsString(30).NotNullable()
            .WithColumn("body").AsString(10000).NotNullable()
            .WithColumn("author_id").AsGuid().NotNullable()
            .WithColumn("created_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_complaint_notes_complaint", "complaint_notes", ["tenant_id", "complaint_id"], "complaints", ["tenant_id", "id"]);
        ForeignKey("fk_complaint_notes_author", "complaint_notes", ["tenant_id", "author_id"], "staff_users", ["tenant_id", "id"]);
        Index("ix_complaint_notes_complaint", "complaint_notes", "tenant_id", "complaint_id", "id");

        // ---- audit_entries: append-only for the service (INSERT and SELECT only) ----
        Create.Table("audit_entries")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_audit_entries")
            .WithColumn("id").AsGuid().NotNullable().PrimaryKey("pk_audit_entries")
            .WithColumn("occurred_at").AsCustom(Timestamptz).NotNullable()
            .WithColumn("actor_type").AsString(20).NotNullable()
            .WithColumn("actor_id").AsString(200).NotNullable()
            .WithColumn("action").AsString(100).NotNullable()
            .WithColumn("entity_type").AsString(50).NotNullable()
            .WithColumn("entity_id").AsGuid().NotNullable()
            .WithColumn("changed_fields").AsCustom(Text).NotNullable()
            .WithColumn("trace_id").AsString(32).Nullable();
        ForeignKey("fk_audit_entries_tenant", "audit_entries", ["tenant_id"], "tenants", ["id"]);
        Index("ix_audit_entries_entity", "audit_entries", "tenant_id", "entity_type", "entity_id", "id");

        // ---- PostgreSQL only: isolation and privileges ----
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"GRANT USAGE ON SCHEMA public TO {AppRole};");
        GrantToApp("tenants", "SELECT, INSERT, UPDATE");
        foreach (var (table, privileges) in TenantTables)
        {
            IsolateTenantTable(table, privileges);
        }

        // Read-only access to the migration history, for the service's readiness check.
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""GRANT SELECT ON TABLE "{CmsMigrator.VersionTableName}" TO {AppRole};""");
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""REVOKE ALL ON TABLE "{CmsMigrator.VersionTableName}" FROM {AppRole};""");
        foreach (var (table, _) in TenantTables.Reverse())
        {
            RemoveTenantIsolation(table);
        }

        RevokeFromApp("tenants");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"REVOKE USAGE ON SCHEMA public FROM {AppRole};");

        // Children first; dropping a table also drops its indexes and constraints.
        Delete.Table("audit_entries");
        Delete.Table("complaint_notes");
        Delete.Table("complaint_deadlines");
        Delete.Table("complaints");
        Delete.Table("complaint_sequences");
        Delete.Table("consumers");
        Delete.Table("staff_users");
        Delete.Table("tenants");
    }
}
