using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Queues;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Queues;

internal sealed class QueueQueries(QuerySession db, TenantScope scope) : IQueueQueries
{
    public async Task<QueueDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken) is { } row
            ? QueueDto.From(row.ToDomain())
            : null;

    public async Task<Page<QueueDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId");
        if (after is { At: not null })
        {
            sql.Append(" AND (created_at, id) > (@AfterAt, @AfterId)");
        }

        sql.Append(" ORDER BY created_at, id LIMIT @Take");
        var rows = await db.QueryAsync<QueueRow>(sql.ToString(), new
        {
            TenantId = scope.Required,
            AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
            AfterId = after?.Id ?? Guid.Empty,
            Take = limit + 1,
        }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => QueueDto.From(r.ToDomain()))], limit, q => new CursorKey(q.CreatedAt, q.Id));
    }

    public async Task<Guid?> FindIdByCodeAsync(string code, CancellationToken cancellationToken) =>
        (await db.QueryAsync<Guid>("SELECT id FROM queues WHERE tenant_id = @TenantId AND code = @Code",
            new { TenantId = scope.Required, Code = code }, cancellationToken)).Select(id => (Guid?)id).FirstOrDefault();
}
