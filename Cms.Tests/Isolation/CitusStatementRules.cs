using System.Text.RegularExpressions;

namespace Cms.Tests.Isolation;

/// <summary>
/// Rules that catch, without a Citus cluster, the classes of statement Citus refuses in a database distributed by
/// tenant_id (each found on a coordinator with two workers, docs/scaling.md "Citus"). They read SQL text: the bodies of
/// the migrated functions and the statements the service sends. Each returns its violations as readable lines.
/// </summary>
internal static partial class CitusStatementRules
{
    /// <summary>
    /// Row locks (<c>FOR UPDATE</c>, <c>FOR NO KEY UPDATE</c>, <c>FOR SHARE</c>, <c>FOR KEY SHARE</c>) in a statement that
    /// has no <c>tenant_id =</c> equality: on Citus a locking query must be single-shard, and only the distribution column's
    /// equality makes it so. Statements that read only global tables are not tenant work and are exempt.
    /// </summary>
    public static IEnumerable<string> LocksWithoutTenant(string where, string sql, IReadOnlyCollection<string> globalTables)
    {
        foreach (var statement in Statements(sql))
        {
            if (RowLock().IsMatch(statement) && !TenantEquality().IsMatch(statement) && !OnlyGlobal(statement, globalTables))
            {
                yield return $"{where}: row lock without a tenant_id equality (multi-shard FOR UPDATE/SHARE): {Short(statement)}";
            }
        }
    }

    /// <summary>
    /// <c>COPY ... FROM</c> into a table under row-level security (PostgreSQL and every Citus shard refuse it), and a
    /// staging table that is temporary (an <c>INSERT ... SELECT</c> from a coordinator-local table into a distributed table
    /// is executed as COPY into the shards, refused the same way).
    /// </summary>
    public static IEnumerable<string> CopyUnderRowSecurity(string where, string sql, IReadOnlyCollection<string> rowSecurityTables)
    {
        foreach (var statement in Statements(sql))
        {
            if (CopyFrom().Match(statement) is { Success: true } copy && rowSecurityTables.Contains(copy.Groups["table"].Value.ToLowerInvariant()))
            {
                yield return $"{where}: COPY FROM into {copy.Groups["table"].Value}, a table under row-level security: {Short(statement)}";
            }

            if (TemporaryTable().IsMatch(statement))
            {
                yield return $"{where}: a temporary staging table (INSERT ... SELECT from it into a distributed table is a COPY under row-level security on Citus): {Short(statement)}";
            }
        }
    }

    /// <summary>
    /// DDL that Citus runs on every shard (<c>CREATE TABLE</c>, <c>ALTER TABLE</c>, <c>ATTACH PARTITION</c>, <c>CREATE
    /// INDEX</c>, <c>CREATE POLICY</c>) in a function body that does not first switch the transaction to
    /// <c>citus.multi_shard_modify_mode = 'sequential'</c>: after a parallel operation on a distributed table in the same
    /// transaction Citus refuses it.
    /// </summary>
    public static IEnumerable<string> ShardDdlWithoutSequentialMode(string where, string body, IReadOnlyCollection<string>? settings)
    {
        if (!ShardDdl().IsMatch(body))
        {
            yield break;
        }

        var sequential = SequentialMode().Match(body) is { Success: true } set && set.Index < ShardDdl().Match(body).Index
                         || settings?.Any(s => s.Replace(" ", "", StringComparison.Ordinal) == "citus.multi_shard_modify_mode=sequential") == true;
        if (!sequential)
        {
            yield return $"{where}: DDL on distributed tables without citus.multi_shard_modify_mode = 'sequential' before it";
        }
    }

    /// <summary>
    /// The service's calls of an owner's (SECURITY DEFINER) function granted to cms_app, by source file: a file that runs
    /// its SQL through the request's session (<c>DbSession</c>, the transaction in which cms_app writes) may not call one,
    /// since Citus refuses a function running as another role on shard placements cms_app modified in the transaction.
    /// Such calls belong on a connection of their own, each call its transaction's only statement.
    /// </summary>
    public static IEnumerable<string> DefinerCallsInRequestTransaction(string file, string source, IReadOnlyCollection<string> definerFunctions)
    {
        if (!RequestSession().IsMatch(source))
        {
            yield break;
        }

        foreach (var function in definerFunctions)
        {
            if (Regex.IsMatch(source, $@"\b{Regex.Escape(function)}\s*\(", RegexOptions.IgnoreCase))
            {
                yield return $"{file}: calls the SECURITY DEFINER function {function} in code that runs in the request's transaction (DbSession)";
            }
        }
    }

    /// <summary>The statements of a SQL text (split at semicolons outside quotes and dollar quotes; good enough here).</summary>
    public static IEnumerable<string> Statements(string sql)
    {
        var start = 0;
        var inQuote = false;
        string? dollar = null;
        for (var i = 0; i < sql.Length; i++)
        {
            if (dollar is not null)
            {
                if (string.CompareOrdinal(sql, i, dollar, 0, dollar.Length) == 0)
                {
                    i += dollar.Length - 1;
                    dollar = null;
                }
            }
            else if (inQuote)
            {
                inQuote = sql[i] != '\'';
            }
            else if (sql[i] == '\'')
            {
                inQuote = true;
            }
            else if (sql[i] == '$' && DollarTag().Match(sql, i) is { Success: true } tag && tag.Index == i)
            {
                dollar = tag.Value;
                i += tag.Length - 1;
            }
            else if (sql[i] == ';')
            {
                yield return sql[start..i];
                start = i + 1;
            }
        }

        if (sql[start..].Trim().Length > 0)
        {
            yield return sql[start..];
        }
    }

    private static bool OnlyGlobal(string statement, IReadOnlyCollection<string> globalTables)
    {
        var tables = TableReference().Matches(statement).Select(m => m.Groups["table"].Value.ToLowerInvariant()).ToList();
        return tables.Count > 0 && tables.All(globalTables.Contains);
    }

    private static string Short(string statement)
    {
        var flat = Whitespace().Replace(statement, " ").Trim();
        return flat.Length <= 160 ? flat : flat[..160] + " …";
    }

    [GeneratedRegex(@"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", RegexOptions.IgnoreCase)]
    private static partial Regex RowLock();

    [GeneratedRegex(@"\btenant_id\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex TenantEquality();

    [GeneratedRegex(@"\bCOPY\s+(public\.)?(?<table>\w+)[^;]*?\bFROM\b", RegexOptions.IgnoreCase)]
    private static partial Regex CopyFrom();

    [GeneratedRegex(@"\bCREATE\s+(TEMP|TEMPORARY)\s+TABLE\b", RegexOptions.IgnoreCase)]
    private static partial Regex TemporaryTable();

    [GeneratedRegex(@"\b(CREATE\s+TABLE|ALTER\s+TABLE|ATTACH\s+PARTITION|CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+POLICY)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ShardDdl();

    [GeneratedRegex(@"citus\.multi_shard_modify_mode'?\s*(,|=|TO)\s*'sequential'", RegexOptions.IgnoreCase)]
    private static partial Regex SequentialMode();

    [GeneratedRegex(@"\bDbSession\b")]
    private static partial Regex RequestSession();

    [GeneratedRegex(@"\b(FROM|JOIN|UPDATE|INTO)\s+(public\.)?(?<table>[a-z_][a-z0-9_]*)", RegexOptions.IgnoreCase)]
    private static partial Regex TableReference();

    [GeneratedRegex(@"\$[A-Za-z_]*\$")]
    private static partial Regex DollarTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
