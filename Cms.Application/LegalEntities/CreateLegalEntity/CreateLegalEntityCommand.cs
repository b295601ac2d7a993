using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.LegalEntities;
using Mediator;

namespace Cms.Application.LegalEntities.CreateLegalEntity;

/// <summary>Adds an authorised firm to the caller's tenant (tenant_admin): its name, FCA firm reference number and the
/// permissions it holds (the sections of its return).</summary>
public sealed record CreateLegalEntityCommand(string? Name, string? FirmReferenceNumber, IReadOnlyList<FcaPermission>? Permissions)
    : ICommand<Result<LegalEntityDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.CreateLegalEntity;
}

public sealed class CreateLegalEntityValidator : IValidator<CreateLegalEntityCommand>
{
    public void Validate(CreateLegalEntityCommand request, ValidationErrors errors) =>
        LegalEntityInput.Validate(request.Name, request.FirmReferenceNumber, request.Permissions, errors, firmReferenceRequired: true);
}

internal sealed class CreateLegalEntityHandler(ILegalEntityRepository entities, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<CreateLegalEntityCommand, Result<LegalEntityDto>>
{
    public async ValueTask<Result<LegalEntityDto>> Handle(CreateLegalEntityCommand command, CancellationToken cancellationToken)
    {
        var created = LegalEntity.Create(Ids.New(), scope.Required, command.Name!, command.FirmReferenceNumber, command.Permissions ?? [],
            clock.GetUtcNow());
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        var entity = created.Value;
        // A second entity with the same firm reference number loses on ux_legal_entities_frn (DuplicateKeyException: 409).
        await entities.AddAsync(entity, cancellationToken);
        await audit.RecordAsync("legal_entity.created", AuditTrail.LegalEntity, entity.Id, entity.Version,
            ["name", "firmReferenceNumber", "permissions"], cancellationToken);
        return LegalEntityDto.From(entity);
    }
}

/// <summary>The input checks shared by creating and updating an entity.</summary>
public static class LegalEntityInput
{
    public static void Validate(string? name, string? firmReferenceNumber, IReadOnlyList<FcaPermission>? permissions, ValidationErrors errors,
        bool firmReferenceRequired)
    {
        errors.Required("name", name, Limits.Name);
        if ((firmReferenceRequired || firmReferenceNumber is not null) && !LegalEntity.IsValidFirmReference(firmReferenceNumber))
        {
            errors.Add("firmReferenceNumber",
                $"'firmReferenceNumber' is the FCA firm reference number: {LegalEntity.MinFirmReference} or {LegalEntity.MaxFirmReference} digits.");
        }

        if (permissions is null)
        {
            errors.Add("permissions", $"'permissions' is required: a list of {string.Join(", ", WireNames.All<FcaPermission>())}.");
        }
        else if (permissions.Distinct().Count() != permissions.Count)
        {
            errors.Add("permissions", "'permissions' lists each permission at most once.");
        }
    }
}
