using Cms.Application.Abstractions;
using Cms.Application.Letters;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.LetterTemplates;

// Reads the primary: a version just published is drafted from at once. A template read by id (every draft reads one) is
// served from the service's cache under the tenant's reference stamp, which publishing renews in its transaction
// (docs/adr/0011): a published version is immutable, and an id not found yet is found from the next request on.
internal sealed class LetterTemplateRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp) : ILetterTemplateRepository
{
    public Task<int> CurrentVersionAsync(LetterType type, CancellationToken cancellationToken) =>
        db.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM letter_templates WHERE tenant_id = @TenantId AND type = @Type",
            new { TenantId = scope.Required, Type = type.ToWire() }, cancellationToken);

    // Travels with COMMIT (docs/adr/0011); a version published concurrently fails there on its key (409), as here before.
    public async Task AddAsync(LetterTemplate template, CancellationToken cancellationToken)
    {
        await db.DeferAsync(LetterTemplateRow.Map.Insert,
            LetterTemplateRow.Parameters(template, TenantGuard.Check(scope, template.TenantId)), cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public Func<CancellationToken, Task<LetterTemplate?>> GetWithComplaint(Guid id)
    {
        var row = cache.GetAlong<LetterTemplateRow>(stamp, $"letter-template:{id:D}", db,
            $"SELECT {LetterTemplateRow.Map.Columns} FROM letter_templates WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id });
        return async cancellationToken => (await row(cancellationToken))?.ToDomain();
    }

    public async Task<IReadOnlyList<LetterTemplate>> ListCurrentAsync(CancellationToken cancellationToken) =>
        [.. (await db.QueryAsync<LetterTemplateRow>(
            $"""
            SELECT {LetterTemplateRow.Map.Columns} FROM letter_templates t
            WHERE t.tenant_id = @TenantId
              AND t.version = (SELECT MAX(v.version) FROM letter_templates v WHERE v.tenant_id = t.tenant_id AND v.type = t.type)
            ORDER BY t.type
            """,
            new { TenantId = scope.Required }, cancellationToken)).Select(r => r.ToDomain())];
}
