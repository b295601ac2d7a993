using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.Staff;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Staff;

internal sealed class StaffQueries(QuerySession db, TenantScope scope) : IStaffQueries
{
    public async Task<StaffDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<StaffRow>($"SELECT {StaffRow.Map.Columns} FROM staff_users WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken) is { } row
            ? StaffDto.From(row.ToDomain())
            : null;

    public async Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {StaffRow.Map.Columns} FROM staff_users WHERE tenant_id = @TenantId");
        if (after is not null)
        {
            sql.Append(" AND id > @AfterId");
        }

        sql.Append(" ORDER BY id LIMIT @Take");
        var rows = await db.QueryAsync<StaffRow>(sql.ToString(),
            new { TenantId = scope.Required, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => StaffDto.From(r.ToDomain()))], limit, s => new CursorKey(null, s.Id));
    }
}
