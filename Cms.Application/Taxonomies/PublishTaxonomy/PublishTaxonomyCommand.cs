using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Taxonomies.PublishTaxonomy;

/// <summary>Publishes the next version of the tenant's taxonomy of a kind (the whole list of entries; versions are immutable).</summary>
public sealed record PublishTaxonomyCommand(TaxonomyKind? Kind, IReadOnlyList<TaxonomyEntryDto>? Entries)
    : ICommand<Result<TaxonomyDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.PublishTaxonomy;
}

public sealed class PublishTaxonomyValidator : IValidator<PublishTaxonomyCommand>
{
    public void Validate(PublishTaxonomyCommand request, ValidationErrors errors)
    {
        errors.Defined("kind", request.Kind);
        if (request.Entries is null)
        {
            errors.Add("entries", "'entries' is required: the whole list of codes and labels of the new version.");
        }
        else if (request.Entries.Any(e => e is null))
        {
            errors.Add("entries", "'entries' must not contain null.");
        }
    }
}

internal sealed class PublishTaxonomyHandler(ITaxonomyRepository taxonomies, TenantScope scope, CallerContext caller, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<PublishTaxonomyCommand, Result<TaxonomyDto>>
{
    public async ValueTask<Result<TaxonomyDto>> Handle(PublishTaxonomyCommand command, CancellationToken cancellationToken)
    {
        var kind = command.Kind!.Value;
        var current = await taxonomies.CurrentVersionAsync(kind, cancellationToken);
        var published = Taxonomy.Publish(Ids.New(), scope.Required, kind, current,
            [.. command.Entries!.Select(e => new TaxonomyEntry(e.Code, e.Label))], clock.GetUtcNow());
        if (!published.IsSuccess)
        {
            return published.Error;
        }

        var taxonomy = published.Value;
        var by = caller.Staff?.Id;
        await taxonomies.AddAsync(taxonomy, by, cancellationToken);
        await audit.RecordAsync("taxonomy.published", AuditTrail.Taxonomy, taxonomy.Id, AuditTrail.UnversionedEntity, ["kind", "version", "entries"], cancellationToken);
        return new TaxonomyDto(taxonomy.Id, taxonomy.Kind, taxonomy.Version,
            [.. taxonomy.Entries.Select(e => new TaxonomyEntryDto(e.Code, e.Label))], by, taxonomy.PublishedAt);
    }
}
