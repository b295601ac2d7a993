using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.OffboardTenant;

/// <summary>
/// <c>DELETE /v1/tenants/{id}[?withoutExport=true&amp;reason=...]</c> (platform operators): starts deleting a suspended
/// tenant that was exported since its suspension (or, explicitly, without an export, with a reason). Answers 202 with the
/// status resource; the worker destroys the tenant's keys first, then deletes its rows in batches. Asking again while it
/// runs (or after) answers the same resource.
/// </summary>
public sealed record OffboardTenantCommand(Guid TenantId, bool WithoutExport, string? Reason)
    : ICommand<Result<TenantOffboardingDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.OffboardTenant;
}

public sealed class OffboardTenantValidator : IValidator<OffboardTenantCommand>
{
    public void Validate(OffboardTenantCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.TenantId);
        if (request.WithoutExport)
        {
            errors.Required("reason", request.Reason, Tenant.MaxStatusReasonLength);
        }
        else if (request.Reason is not null)
        {
            errors.Add("reason", "A reason is given only with withoutExport=true.");
        }
    }
}

internal sealed class OffboardTenantHandler(ITenantRepository tenants, ITenantOffboardings offboardings, PlatformAudit.IPlatformAuditLog log,
    PlatformAudit.PlatformAuditTrail audit, CallerContext caller, TimeProvider clock)
    : ICommandHandler<OffboardTenantCommand, Result<TenantOffboardingDto>>
{
    public async ValueTask<Result<TenantOffboardingDto>> Handle(OffboardTenantCommand command, CancellationToken cancellationToken)
    {
        // One round trip: the registry row locked (a concurrent offboarding or reactivation waits for this one's end), then the
        // offboarding and the last export read after it, so a second request finds the first one's offboarding (docs/adr/0011 part 8).
        var runningRead = offboardings.GetAlong(command.TenantId);
        var exportRead = log.LatestAlong(command.TenantId, PlatformAudit.PlatformAuditTrail.Exported);
        var registration = await tenants.GetRegistrationAsync(command.TenantId, forStatusChange: true, cancellationToken);
        if (await runningRead(cancellationToken) is { } running)
        {
            return running;
        }

        if (registration.Tenant is not { } tenant)
        {
            return Error.NotFound("tenant");
        }

        if (tenant.Status != TenantStatus.Suspended)
        {
            return Error.Conflict("tenant.not_suspended", "Only a suspended tenant is deleted: suspend it first (POST /v1/tenants/{id}/suspend).");
        }

        // The export must show the data as it is deleted: one completed after the current suspension began.
        var export = await exportRead(cancellationToken);
        var exportCounts = export is not null && tenant.StatusChangedAt is { } suspendedAt && export.OccurredAt >= suspendedAt;
        if (!exportCounts && !command.WithoutExport)
        {
            return Error.Conflict("tenant.not_exported",
                "Export the suspended tenant first (POST /v1/tenants/{id}/export), or delete it without an export: withoutExport=true&reason=...");
        }

        var offboarding = new NewTenantOffboarding(tenant.Id, Audit.AuditChain.Normalise(clock.GetUtcNow()), caller.ActorId, exportCounts ? export!.Sequence : null,
            command.WithoutExport && !exportCounts ? command.Reason!.Trim() : null);
        await offboardings.AddAsync(offboarding, cancellationToken);
        await audit.RecordAsync(PlatformAudit.PlatformAuditTrail.OffboardingStarted, tenant.Id,
            new { exportEntrySequence = offboarding.ExportEntrySequence, withoutExport = offboarding.WithoutExportReason is not null },
            cancellationToken);
        return offboarding.AsWritten();
    }
}
