using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

internal sealed class AuditQueries(QuerySession db, TenantScope scope, AuditValueSealing values) : IAuditQueries
{
    public async Task<Page<AuditEntryDto>> ListAsync(string? entityType, Guid? entityId, int limit, CursorKey? after,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {AuditRow.Map.Columns} FROM audit_entries WHERE tenant_id = @TenantId");
        if (entityType == AuditTrail.Complaint && entityId is not null)
        {
            sql.Append($" AND entity_type = @EntityType AND entity_id IN ({StoredComplaint.MergedFamily.Replace("@Id", "@EntityId", StringComparison.Ordinal)})");
        }
        else if (entityType is not null && entityId is not null)
        {
            sql.Append(" AND entity_type = @EntityType AND entity_id = @EntityId");
        }

        if (after is { At: not null })
        {
            sql.Append(" AND (occurred_at, id) > (@AfterAt, @AfterId)");
        }

        sql.Append(" ORDER BY occurred_at, id LIMIT @Take");
        var rows = await db.QueryAsync<AuditRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            EntityType = entityType ?? "",
            EntityId = entityId ?? Guid.Empty,
            AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        var entries = new List<AuditEntryDto>();
        foreach (var row in rows)
        {
            entries.Add(Mapping.To<AuditEntryDto>(row) with { Changes = await values.OpenAsync(row.Id, row.ChangedValues, cancellationToken) });
        }

        return Cursor.ToPage(entries, limit, a => new CursorKey(a.OccurredAt, a.Id));
    }
}

internal sealed class AuditChainReader(QuerySession db, TenantScope scope) : IAuditChainReader
{
    public async Task<IReadOnlyList<ChainedAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = await db.QueryAsync<AuditRow>(
            $"""
            SELECT {AuditRow.Map.Columns} FROM audit_entries
            WHERE tenant_id = @TenantId AND seq > @After ORDER BY seq, id LIMIT @Take
            """,
            new { TenantId = tenantId, After = afterSequence, Take = limit }, cancellationToken);
        return [.. rows.Select(r => r.ToChained(tenantId))];
    }

    public async Task<IReadOnlyList<UnlinkedAuditEntry>> ReadUnlinkedAsync(long afterWrite, int limit, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        var rows = await db.QueryAsync<AuditRow>(
            $"""
            SELECT {AuditRow.Map.Columns} FROM audit_entries
            WHERE tenant_id = @TenantId AND seq = 0 AND entry_hmac <> '' AND write_id > @After ORDER BY write_id LIMIT @Take
            """,
            new { TenantId = tenantId, After = afterWrite, Take = limit }, cancellationToken);
        return [.. rows.Select(r => new UnlinkedAuditEntry(r.ToEntry(tenantId), r.EntryHmac, r.WriteId))];
    }

    public async Task<AuditChainHead?> GetHeadAsync(CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<AuditChainHead>(
            "SELECT last_seq AS LastSequence, last_hash AS LastHash FROM audit_chain_heads WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken);
}
