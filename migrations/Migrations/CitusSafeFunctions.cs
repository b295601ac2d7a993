using FluentMigrator;

namespace Cms.Migrations.Migrations;

/// <summary>
/// PostgreSQL only (SQLite has no functions): the owner's functions made safe for Citus and for any caller.
/// <list type="bullet">
/// <item><c>purge_expired_idempotency_keys(limit)</c> and <c>purge_expired_platform_idempotency_keys(limit)</c> replace
/// the <c>(now, limit)</c> versions. Functions that run with the owner's rights take "now" from the server: the old ones
/// took it from the caller, so cms_app (which holds no DELETE) could pass <c>'infinity'</c> and delete a tenant's
/// unexpired keys. The batch is bounded by the function too (1 to 100,000, the service's own setting's range).</item>
/// <item>The tenant purge names its tenant (<c>tenant_id = </c> the transaction's tenant) beside its row locks, so on
/// Citus it is a single-shard (router) statement: Citus refuses <c>FOR UPDATE</c> in a multi-shard query. Both purges
/// repeat <c>expires_at &lt;= now()</c> on the deleted row itself, so a key taken over by a claim while the purge waited
/// for its row lock is rechecked and kept.</item>
/// <item>The platform purge takes no row locks (the table is a Citus reference table, a copy on every node, where
/// concurrent multi-row locking deadlocked across nodes); one purge at a time per database instead, through a
/// transaction advisory lock that a second purge does not wait for.</item>
/// <item><c>create_monthly_partitions</c> (which every partition path calls) switches the transaction to Citus's
/// sequential multi-shard mode before its first DDL, where Citus is installed: attaching a month to a distributed table
/// and then creating the next in the same transaction fails in the default parallel mode. (Not a function-level SET:
/// PostgreSQL without Citus lets only a superuser set the unknown parameter.)</item>
/// </list>
/// Nothing calls these inside a request's transaction any more: a SECURITY DEFINER call after cms_app's writes makes
/// Citus refuse the transaction (placements modified by a different user), so the purges run in their own short
/// transactions (the background purge), never after a write.
/// </summary>
[Migration(202612060400, "Citus-safe owner functions: purges take time from the server, lock within one tenant, partitions in sequential mode")]
public sealed class CitusSafeFunctions : CmsMigration
{
    /// <summary>The largest batch a purge call deletes, whatever it is asked for.</summary>
    public const int MaxPurgeBatch = 100_000;

    /// <summary>
    /// The statement that puts the transaction in Citus's sequential multi-shard mode where Citus is installed (the
    /// setting exists), and does nothing on PostgreSQL without it. Before a function's first DDL.
    /// </summary>
    public const string SequentialOnCitus =
        "IF current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL THEN " +
        "PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true); END IF;";

    public override void Up()
    {
        RequireAppRole();
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            DROP FUNCTION purge_expired_idempotency_keys(timestamptz, integer);
            DROP FUNCTION purge_expired_platform_idempotency_keys(timestamptz, integer);

            CREATE FUNCTION purge_expired_idempotency_keys(p_limit integer) RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
                purged integer;
            BEGIN
                IF tenant IS NULL THEN
                    RETURN 0;
                END IF;
                DELETE FROM public.idempotency_keys
                WHERE tenant_id = tenant AND expires_at <= now()
                  AND (tenant_id, principal, idem_key) IN (
                      SELECT tenant_id, principal, idem_key FROM public.idempotency_keys
                      WHERE tenant_id = tenant AND expires_at <= now()
                      LIMIT {BoundedLimit} FOR UPDATE SKIP LOCKED);
                GET DIAGNOSTICS purged = ROW_COUNT;
                RETURN purged;
            END
            $$;

            CREATE FUNCTION purge_expired_platform_idempotency_keys(p_limit integer) RETURNS integer
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            DECLARE
                purged integer;
            BEGIN
                IF NOT pg_try_advisory_xact_lock(hashtext('cms.platform_idempotency_keys.purge')) THEN
                    RETURN 0;
                END IF;
                DELETE FROM public.platform_idempotency_keys
                WHERE expires_at <= now()
                  AND (principal, idem_key) IN (
                      SELECT principal, idem_key FROM public.platform_idempotency_keys
                      WHERE expires_at <= now()
                      LIMIT {BoundedLimit});
                GET DIAGNOSTICS purged = ROW_COUNT;
                RETURN purged;
            END
            $$;

            REVOKE ALL ON FUNCTION purge_expired_idempotency_keys(integer) FROM PUBLIC;
            REVOKE ALL ON FUNCTION purge_expired_platform_idempotency_keys(integer) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION purge_expired_idempotency_keys(integer) TO {AppRole};
            GRANT EXECUTE ON FUNCTION purge_expired_platform_idempotency_keys(integer) TO {AppRole};

            {MonthlyPartitionsFunction(sequentialOnCitus: true)}
            """);
    }

    public override void Down()
    {
        IfDatabase(ProcessorIdConstants.PostgreSQL).Execute.Sql($"""
            {MonthlyPartitionsFunction(sequentialOnCitus: false)}
            DROP FUNCTION purge_expired_platform_idempotency_keys(integer);
            DROP FUNCTION purge_expired_idempotency_keys(integer);
            {IdempotencyKeys.PurgeFunction("purge_expired_idempotency_keys", "idempotency_keys", "tenant_id, principal, idem_key")}
            {IdempotencyKeys.PurgeFunction("purge_expired_platform_idempotency_keys", "platform_idempotency_keys", "principal, idem_key")}
            """);
    }

    private static string BoundedLimit => $"least(greatest(coalesce(p_limit, 0), 0), {MaxPurgeBatch})";

    /// <summary>create_monthly_partitions as EventsPartitioned made it, replaced in place (its grants are kept).</summary>
    private static string MonthlyPartitionsFunction(bool sequentialOnCitus)
    {
        var function = EventsPartitioned.CreateMonthlyPartitionsFunction
            .Replace("CREATE FUNCTION create_monthly_partitions", "CREATE OR REPLACE FUNCTION create_monthly_partitions", StringComparison.Ordinal);
        if (!sequentialOnCitus)
        {
            return function;
        }

        const string begin = "\nBEGIN\n";
        var at = function.IndexOf(begin, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("create_monthly_partitions has no BEGIN to put the Citus mode after.");
        }

        return function.Insert(at + begin.Length, "    " + SequentialOnCitus + "\n");
    }
}
