using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Application.Abstractions;
using Cms.Application.Consumers;
using Cms.Application.PlatformAudit;
using Cms.Application.Tenants;
using Cms.Infrastructure.Persistence;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Infrastructure.Offboarding;

/// <summary>
/// The tenant's complete data as NDJSON (docs/adr/0018-tenant-offboarding.md), streamed as it is read:
/// <c>{"type":"export",...}</c>, then <c>{"type":"row","table":"t","row":{...}}</c> for every row of every table with a
/// tenant_id column (from the catalogue; each row as the database renders it, sealed values sealed), then with
/// decryption <c>{"type":"personal_data","table":"consumers","row":{...}}</c> per consumer (the API's decrypted view),
/// and last <c>{"type":"manifest","tables":[{"table","rows","sha256"}]}</c>: a table's SHA-256 is over its lines as
/// written, newline included. The rows are read in one snapshot (PostgreSQL: REPEATABLE READ, READ ONLY) through the
/// service's own connection with the tenant set as every request sets it, so row-level security applies.
/// </summary>
internal sealed class TenantExporter(DatabaseOptions options, IServiceProvider services, TenantWork work, PlatformAuditChain chain,
    IdempotentAnswerFormat json, TimeProvider clock) : ITenantExporter
{
    public const string Format = "cms-tenant-export/1";
    public const string PersonalDataSection = "consumers";

    private const int ConsumerPage = 500;

    public async Task WriteAsync(TenantExportTicket ticket, Stream destination, CancellationToken cancellationToken)
    {
        var tables = await work.RunAsync(null, (db, token) => TenantCatalogue.TablesAsync(db, token), cancellationToken);
        var manifest = new List<object>();
        long total = 0;
        await WriteLineAsync(destination, JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "export", format = Format, tenantId = ticket.TenantId, startedAt = clock.GetUtcNow(),
            decryptedPersonalData = ticket.DecryptPersonalData, startedEntrySequence = ticket.StartedEntrySequence,
        }), null, cancellationToken);

        await using (var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken))
        await using (var transaction = await BeginSnapshotAsync(connection, ticket.TenantId, cancellationToken))
        {
            foreach (var table in tables)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long rows = 0;
                var sql = connection is SqliteConnection
                    ? await SqliteRowsSqlAsync(connection, transaction, table, cancellationToken)
                    : $"SELECT row_to_json(t)::text FROM public.{table.Quoted} t WHERE t.tenant_id = @TenantId";
                await foreach (var row in connection.QueryUnbufferedAsync<string>(sql, new { ticket.TenantId }, transaction)
                                   .WithCancellation(cancellationToken))
                {
                    await WriteLineAsync(destination, RowLine("row", table.Name, row), hash, cancellationToken);
                    rows++;
                }

                total += rows;
                manifest.Add(new { table = table.Name, rows, sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()) });
            }
        }

        object? personalData = null;
        if (ticket.DecryptPersonalData)
        {
            personalData = await WritePersonalDataAsync(ticket.TenantId, destination, cancellationToken);
        }

        var manifestLine = JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "manifest", tenantId = ticket.TenantId, tables = manifest, personalData, completedAt = clock.GetUtcNow(),
        });
        await WriteLineAsync(destination, manifestLine, null, cancellationToken);
        await destination.FlushAsync(cancellationToken);

        var manifestSha256 = Convert.ToHexStringLower(SHA256.HashData(manifestLine));
        await work.RunAsync(null, (db, token) => new PlatformAudit.PlatformAuditLog(db, chain, clock).AppendAsync(
            PlatformAuditTrail.Record(ticket.RequestedBy, PlatformAuditTrail.Exported, ticket.TenantId,
                new { tables = manifest.Count, rows = total, manifestSha256, ticket.DecryptPersonalData, ticket.StartedEntrySequence }),
            token), CancellationToken.None);
    }

    /// <summary>Each consumer as the API shows it to an authorised role (decrypted), page by page in the tenant's scope.</summary>
    private async Task<object> WritePersonalDataAsync(Guid tenantId, Stream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long rows = 0;
        var after = Guid.Empty;
        while (true)
        {
            var page = await work.RunAsync(tenantId, async (scope, token) =>
            {
                var db = scope.GetRequiredService<DbSession>();
                var ids = await db.QueryAsync<Guid>(
                    "SELECT id FROM consumers WHERE tenant_id = @TenantId AND id > @After ORDER BY id LIMIT @Limit",
                    new { TenantId = tenantId, After = after, Limit = ConsumerPage }, token);
                var consumers = scope.GetRequiredService<IConsumerQueries>();
                var found = new List<(Guid Id, ConsumerDto? Consumer)>();
                foreach (var id in ids)
                {
                    found.Add((id, await consumers.GetAsync(id, token)));
                }

                return found;
            }, cancellationToken, commit: false);
            foreach (var (id, consumer) in page)
            {
                await WriteLineAsync(destination, RowLine("personal_data", PersonalDataSection, json.Write(consumer, typeof(ConsumerDto))), hash,
                    cancellationToken);
                rows++;
                after = id;
            }

            if (page.Count < ConsumerPage)
            {
                return new { table = PersonalDataSection, rows, sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()) };
            }
        }
    }

    private static byte[] RowLine(string type, string table, string rowJson) =>
        Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"table\":{JsonSerializer.Serialize(table)},\"row\":{rowJson}}}");

    private static async Task WriteLineAsync(Stream destination, byte[] line, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        hash?.AppendData(line);
        hash?.AppendData(NewLine);
        await destination.WriteAsync(line, cancellationToken);
        await destination.WriteAsync(NewLine, cancellationToken);
    }

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>One consistent snapshot of the tenant: PostgreSQL REPEATABLE READ, READ ONLY, the tenant set for the
    /// transaction (row-level security), no statement timeout (a large table is one long read); SQLite a read transaction.</summary>
    private static async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, Guid tenantId, CancellationToken cancellationToken)
    {
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(deferred: true);
        }

        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "SET TRANSACTION READ ONLY;\nSET LOCAL statement_timeout = 0;\n" + ServiceConnections.SetTenant(tenantId), transaction: transaction,
            cancellationToken: cancellationToken));
        return transaction;
    }

    /// <summary>SQLite renders a row as JSON with json_object over its columns (from the table's pragma).</summary>
    private static async Task<string> SqliteRowsSqlAsync(DbConnection connection, DbTransaction transaction, TenantTable table,
        CancellationToken cancellationToken)
    {
        var columns = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM pragma_table_info(@Table) ORDER BY cid", new { Table = table.Name }, transaction, cancellationToken: cancellationToken));
        var pairs = string.Join(", ", columns.Select(c => $"'{c.Replace("'", "''", StringComparison.Ordinal)}', \"{c.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
        return $"SELECT json_object({pairs}) FROM {table.Quoted} WHERE tenant_id = @TenantId";
    }
}
