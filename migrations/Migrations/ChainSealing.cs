using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// No row that every writer of a tenant updates (docs/adr/0011-writes-without-a-tenant-hot-row.md). Writers no longer
/// touch audit_chain_heads: each audit entry is written with its own HMAC (<c>entry_hmac</c>) and <c>seq = 0</c>, each
/// change event into <c>event_outbox</c> without a position; both carry <c>write_id</c> from the one sequence
/// <c>change_write_ids</c>, taken inside the writer's transaction. The service's sealer (one per tenant at a time)
/// later links the committed entries into the chain and moves the committed events into <c>events</c> with their
/// positions, in commit order, and is the only writer of audit_chain_heads.
/// </summary>
/// <remarks>
/// <para>PostgreSQL: audit_entries stays append-only for everyone; the trigger now lets one kind of update through,
/// the link: seq 0 → n with prev_hash and hash set, every other column unchanged. cms_app still has no UPDATE grant: it
/// links through <c>link_audit_entries</c> (SECURITY DEFINER, the tenant of the transaction only), which refuses the
/// batch when any entry it names is missing (deleted before it was linked). cms_app holds no DELETE: events move from
/// the outbox into the feed through <c>place_outbox_events</c> (SECURITY DEFINER, the tenant of the transaction only).</para>
/// <para>SQLite has one writer at a time and links in the writer's transaction: event_outbox and write_id exist there
/// for an equivalent schema but stay empty.</para>
/// </remarks>
[Migration(202612060600, "Chain sealing: entry HMAC and write order on audit entries, event outbox, link-once trigger and function")]
public sealed class ChainSealing : CmsMigration
{
    /// <summary>The tenant tables this migration adds (for the schema gate, through <see cref="Schema.TenantTableNames"/>).</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } = ["event_outbox"];

    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            CREATE SEQUENCE change_write_ids AS bigint;
            GRANT USAGE ON SEQUENCE change_write_ids TO {AppRole};
            """);

        // A constant default first (no rewrite of the existing partitions), then the sequence for new rows only.
        Alter.Table("audit_entries")
            .AddColumn("entry_hmac").AsString(64).NotNullable().WithDefaultValue("")
            .AddColumn("write_id").AsInt64().NotNullable().WithDefaultValue(0);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            ALTER TABLE audit_entries ALTER COLUMN write_id SET DEFAULT nextval('change_write_ids');
            """);
        // What the sealer reads: a tenant's unlinked entries in write order (partial: linked entries leave it).
        Execute.Sql("CREATE INDEX ix_audit_entries_unlinked ON audit_entries (tenant_id, write_id) WHERE seq = 0 AND entry_hmac <> ''");

        Create.Table("event_outbox")
            .WithColumn("tenant_id").AsGuid().NotNullable().PrimaryKey("pk_event_outbox")
            .WithColumn("write_id").AsInt64().NotNullable().PrimaryKey("pk_event_outbox")
            .WithColumn("id").AsGuid().NotNullable()
            .WithColumn("type").AsString(100).NotNullable()
            .WithColumn("entity_type").AsString(50).NotNullable()
            .WithColumn("entity_id").AsGuid().NotNullable()
            .WithColumn("entity_version").AsInt64().NotNullable()
            .WithColumn("changed_fields").AsCustom(Text).NotNullable()
            .WithColumn("occurred_at").AsCustom(Timestamptz).NotNullable();
        ForeignKey("fk_event_outbox_tenant", "event_outbox", ["tenant_id"], "tenants", ["id"]);
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            ALTER TABLE event_outbox ALTER COLUMN write_id SET DEFAULT nextval('change_write_ids');
            """);
        IsolateTenantTable("event_outbox", "SELECT, INSERT");

        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- The one update allowed: linking an unlinked entry into its chain, once, content untouched.
                IF TG_OP = 'UPDATE' AND OLD.seq = 0 AND OLD.hash = '' AND NEW.seq > 0 AND NEW.hash <> ''
                   AND (to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash']) = (to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash']) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = '42501';
            END
            $$;
            REVOKE ALL ON FUNCTION audit_entries_append_only() FROM PUBLIC;

            CREATE FUNCTION link_audit_entries(p_ids uuid[], p_occurred_at timestamptz[], p_seqs bigint[], p_prev_hashes text[], p_hashes text[])
                RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                linked integer;
            BEGIN
                UPDATE public.audit_entries a SET seq = l.seq, prev_hash = l.prev_hash, hash = l.hash
                FROM unnest(p_ids, p_occurred_at, p_seqs, p_prev_hashes, p_hashes) AS l(id, occurred_at, seq, prev_hash, hash)
                WHERE a.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
                  AND a.occurred_at = l.occurred_at AND a.id = l.id AND a.seq = 0;
                GET DIAGNOSTICS linked = ROW_COUNT;
                IF linked <> coalesce(array_length(p_ids, 1), 0) THEN
                    RAISE EXCEPTION 'link_audit_entries: % of % entries found unlinked (an entry was removed or linked before)',
                        linked, coalesce(array_length(p_ids, 1), 0) USING ERRCODE = '55000';
                END IF;
                RETURN linked;
            END
            $$;
            REVOKE ALL ON FUNCTION link_audit_entries(uuid[], timestamptz[], bigint[], text[], text[]) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION link_audit_entries(uuid[], timestamptz[], bigint[], text[], text[]) TO {AppRole};

            -- The oldest waiting events of the transaction's tenant (by write_id) move into the feed with the next
            -- positions after p_after_position, and the head's last_event_position follows (checked: it must still be
            -- p_after_position). cms_app holds no DELETE anywhere: the move is this function's.
            CREATE FUNCTION place_outbox_events(p_after_position bigint, p_limit integer) RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
                placed integer;
            BEGIN
                WITH moved AS (
                    DELETE FROM public.event_outbox
                    WHERE tenant_id = tenant
                      AND write_id IN (SELECT o.write_id FROM public.event_outbox o WHERE o.tenant_id = tenant ORDER BY o.write_id LIMIT p_limit)
                    RETURNING tenant_id, write_id, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
                INSERT INTO public.events (tenant_id, position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at)
                SELECT m.tenant_id, p_after_position + row_number() OVER (ORDER BY m.write_id), m.id, m.type, m.entity_type, m.entity_id,
                       m.entity_version, m.changed_fields, m.occurred_at
                FROM moved m;
                GET DIAGNOSTICS placed = ROW_COUNT;
                UPDATE public.audit_chain_heads SET last_event_position = p_after_position + placed
                WHERE tenant_id = tenant AND last_event_position = p_after_position;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'place_outbox_events: the feed no longer ends at %', p_after_position USING ERRCODE = '40001';
                END IF;
                RETURN placed;
            END
            $$;
            REVOKE ALL ON FUNCTION place_outbox_events(bigint, integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION place_outbox_events(bigint, integer) TO {AppRole};
            """);
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("""
            DROP FUNCTION place_outbox_events(bigint, integer);
            DROP FUNCTION link_audit_entries(uuid[], timestamptz[], bigint[], text[], text[]);
            CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = '42501';
            END
            $$;
            """);
        RemoveTenantIsolation("event_outbox");
        Delete.Table("event_outbox");
        Execute.Sql("DROP INDEX ix_audit_entries_unlinked");
        Delete.Column("write_id").Column("entry_hmac").FromTable("audit_entries");
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql("DROP SEQUENCE change_write_ids;");
    }
}
