using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.ExportTenant;

/// <summary>
/// <c>POST /v1/tenants/{id}/export[?decryptPersonalData=true]</c> (platform operators): authorises and audits the export,
/// then the API streams it. Personal data stays sealed unless the operator asks for it and the tenant is suspended.
/// </summary>
public sealed record ExportTenantCommand(Guid TenantId, bool DecryptPersonalData) : ICommand<Result<TenantExportTicket>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ExportTenant;
}

public sealed class ExportTenantValidator : IValidator<ExportTenantCommand>
{
    public void Validate(ExportTenantCommand request, ValidationErrors errors) => errors.Id("id", request.TenantId);
}

internal sealed class ExportTenantHandler(ITenantRepository tenants, PlatformAudit.PlatformAuditTrail audit,
    CallerContext caller) : ICommandHandler<ExportTenantCommand, Result<TenantExportTicket>>
{
    public async ValueTask<Result<TenantExportTicket>> Handle(ExportTenantCommand command, CancellationToken cancellationToken)
    {
        var registration = await tenants.GetRegistrationAsync(command.TenantId, forStatusChange: false, cancellationToken);
        if (registration.Tenant is not { } tenant)
        {
            return Error.NotFound("tenant");
        }

        if (command.DecryptPersonalData && tenant.Status != TenantStatus.Suspended)
        {
            return Error.Conflict("tenant.not_suspended",
                "Personal data is decrypted only in the export of a suspended tenant; suspend it first, or export it sealed.");
        }

        if (registration.OffboardingBegun)
        {
            return Error.Conflict("tenant.offboarding", "This tenant is being deleted: its keys are destroyed and its data cannot be exported.");
        }

        var started = await audit.RecordAsync(PlatformAudit.PlatformAuditTrail.ExportStarted, tenant.Id,
            new { decryptPersonalData = command.DecryptPersonalData }, cancellationToken);
        return new TenantExportTicket(tenant.Id, command.DecryptPersonalData, caller.ActorId, started.Sequence);
    }
}
