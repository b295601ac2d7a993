using Cms.Application.Abstractions;
using Cms.Application.Letters;
using Cms.Domain.Common;
using Cms.Domain.Letters;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.LetterTemplates;

// Reads the primary: a version just published is drafted from at once.
internal sealed class LetterTemplateRepository(DbSession db, TenantScope scope) : ILetterTemplateRepository
{
    public Task<int> CurrentVersionAsync(LetterType type, CancellationToken cancellationToken) =>
        db.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM letter_templates WHERE tenant_id = @TenantId AND type = @Type",
            new { TenantId = scope.Required, Type = type.ToWire() }, cancellationToken);

    public Task AddAsync(LetterTemplate template, CancellationToken cancellationToken) =>
        db.ExecuteAsync(LetterTemplateRow.Map.Insert,
            LetterTemplateRow.Parameters(template, TenantGuard.Check(scope, template.TenantId)), cancellationToken);

    public async Task<LetterTemplate?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<LetterTemplateRow>(
            $"SELECT {LetterTemplateRow.Map.Columns} FROM letter_templates WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

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
