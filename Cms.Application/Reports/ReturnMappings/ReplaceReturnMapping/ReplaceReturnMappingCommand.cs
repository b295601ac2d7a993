using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Reports.FcaReturn;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Reports.ReturnMappings.ReplaceReturnMapping;

/// <summary>Replaces the tenant's whole mapping onto a reference taxonomy (tenant_admin): each target must be a code of
/// that taxonomy's current version.</summary>
public sealed record ReplaceReturnMappingCommand(TaxonomyKind Kind, IReadOnlyList<ReturnMappingEntry>? Entries)
    : ICommand<Result<ReturnMappingDto>>, IUseCaseMessage
{
    public const int MaxEntries = 1_000;

    UseCase IUseCaseMessage.UseCase => UseCase.ReplaceReturnMapping;
}

public sealed class ReplaceReturnMappingValidator : IValidator<ReplaceReturnMappingCommand>
{
    public void Validate(ReplaceReturnMappingCommand request, ValidationErrors errors)
    {
        ReturnMappingKinds.ValidateKind(request.Kind, errors);
        if (request.Entries is null || request.Entries.Count > ReplaceReturnMappingCommand.MaxEntries)
        {
            errors.Add("entries", $"'entries' is required: at most {ReplaceReturnMappingCommand.MaxEntries} of {{code, targetCode}}.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Entries.Count; i++)
        {
            var e = request.Entries[i];
            errors.Required($"entries[{i}].code", e.Code, Limits.Product);
            errors.Required($"entries[{i}].targetCode", e.TargetCode, Limits.Product);
            if (e.Code is not null && !seen.Add(e.Code))
            {
                errors.Add($"entries[{i}].code", $"The code '{e.Code}' appears more than once.");
            }
        }
    }
}

internal sealed class ReplaceReturnMappingHandler(FcaReturnCalculator calculator, IReturnMappingStore store, TenantScope scope, AuditTrail audit,
    TimeProvider clock) : ICommandHandler<ReplaceReturnMappingCommand, Result<ReturnMappingDto>>
{
    public async ValueTask<Result<ReturnMappingDto>> Handle(ReplaceReturnMappingCommand command, CancellationToken cancellationToken)
    {
        var target = await calculator.TaxonomyAsync(command.Kind, cancellationToken);
        var errors = new ValidationErrors();
        for (var i = 0; i < command.Entries!.Count; i++)
        {
            if (!target.Contains(command.Entries[i].TargetCode))
            {
                errors.Add($"entries[{i}].targetCode",
                    $"'targetCode' must be a code of the {command.Kind.ToWire()} taxonomy (version {target.Version}); see GET /v1/taxonomies/{command.Kind.ToWire()}.");
            }
        }

        if (errors.Any)
        {
            return errors.ToError();
        }

        await store.ReplaceAsync(command.Kind, command.Entries, clock.GetUtcNow(), cancellationToken);
        await audit.RecordAsync("return_mapping.replaced", AuditTrail.ReturnMapping, scope.Required, AuditTrail.UnversionedEntity,
            [command.Kind.ToWire()], cancellationToken);
        return new ReturnMappingDto(command.Kind, target.Version, await store.GetAsync(command.Kind, cancellationToken));
    }
}
