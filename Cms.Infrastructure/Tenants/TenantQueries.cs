using System.Text;
using Cms.Application.Common;
using Cms.Application.Tenants;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Tenants;

internal sealed class TenantQueries(QuerySession db) : ITenantQueries
{
    public async Task<TenantDto?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<TenantRow>($"SELECT {TenantRow.Map.Columns} FROM tenants WHERE id = @Id", new { Id = id },
            cancellationToken) is { } row
            ? TenantDto.From(row.ToDomain())
            : null;

    /// <summary>The tenant registry has no tenant data and no row-level security: platform operators list it.</summary>
    public async Task<Page<TenantDto>> ListAsync(string? name, int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {TenantRow.Map.Columns} FROM tenants WHERE id > @AfterId");
        if (name is not null)
        {
            sql.Append(" AND name = @Name");
        }

        sql.Append(" ORDER BY id LIMIT @Take");
        var rows = await db.QueryAsync<TenantRow>(sql.ToString(),
            new { Name = name, AfterId = after?.Id ?? Guid.Empty, Take = limit + 1 }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => TenantDto.From(r.ToDomain()))], limit, t => new CursorKey(null, t.Id));
    }
}
