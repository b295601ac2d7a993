using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.LegalEntities.CreateLegalEntity;
using Cms.Domain.Common;
using Cms.Domain.LegalEntities;
using Mediator;

namespace Cms.Application.LegalEntities.UpdateLegalEntity;

/// <summary>Replaces a legal entity's name, firm reference number and permissions (tenant_admin; If-Match optional): e.g.
/// the default entity, created without a firm reference number, gets its own.</summary>
public sealed record UpdateLegalEntityCommand(Guid LegalEntityId, string? Name, string? FirmReferenceNumber, IReadOnlyList<FcaPermission>? Permissions)
    : ICommand<Result<LegalEntityDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.UpdateLegalEntity;

    public long? ExpectedVersion { get; init; }
}

public sealed class UpdateLegalEntityValidator : IValidator<UpdateLegalEntityCommand>
{
    public void Validate(UpdateLegalEntityCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.LegalEntityId);
        LegalEntityInput.Validate(request.Name, request.FirmReferenceNumber, request.Permissions, errors, firmReferenceRequired: false);
    }
}

internal sealed class UpdateLegalEntityHandler(ILegalEntityRepository entities, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<UpdateLegalEntityCommand, Result<LegalEntityDto>>
{
    public async ValueTask<Result<LegalEntityDto>> Handle(UpdateLegalEntityCommand command, CancellationToken cancellationToken)
    {
        var entity = await entities.GetForUpdateAsync(command.LegalEntityId, cancellationToken);
        if (entity is null)
        {
            return Error.NotFound("legal_entity");
        }

        var loaded = entity.Version;
        if (command.ExpectedVersion is { } expected && expected != loaded)
        {
            return Error.StaleVersion(expected, loaded);
        }

        var updated = entity.Update(command.Name!, command.FirmReferenceNumber, command.Permissions ?? [], clock.GetUtcNow());
        if (!updated.IsSuccess)
        {
            return updated.Error;
        }

        if (!await entities.UpdateAsync(entity, loaded, cancellationToken))
        {
            return Error.StaleVersion(loaded, loaded + 1);
        }

        await audit.RecordAsync("legal_entity.updated", AuditTrail.LegalEntity, entity.Id, entity.Version,
            ["name", "firmReferenceNumber", "permissions"], cancellationToken);
        return LegalEntityDto.From(entity);
    }
}
