using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.LegalEntities;
using Cms.Domain.Common;
using Cms.Domain.LegalEntities;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Application.Tenants.CreateTenant;

internal sealed class CreateTenantHandler(
    ITenantRepository tenants, IStaffRepository staff, ILegalEntityRepository legalEntities, TenantScope scope, AuditTrail audit,
    PlatformAudit.PlatformAuditTrail platformAudit, TimeProvider clock)
    : ICommandHandler<CreateTenantCommand, Result<TenantDto>>
{
    public async ValueTask<Result<TenantDto>> Handle(CreateTenantCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var created = Tenant.Create(Ids.New(), command.Name!, command.Sector!.Value, command.Jurisdiction!.Value, now);
        if (!created.IsSuccess)
        {
            return created.Error;
        }

        var tenant = created.Value;
        await tenants.AddAsync(tenant, cancellationToken);

        // Everything below is the new tenant's own data: enter its scope so row-level security admits the writes.
        scope.Enter(tenant.Id);
        var admin = StaffMember.Create(Ids.New(), tenant.Id, command.Admin!.Subject!, command.Admin.Email!,
            command.Admin.DisplayName!, StaffKind.User, [Role.TenantAdmin], now).Value;
        await staff.AddAsync(admin, cancellationToken);
        // Every complaint belongs to a legal entity: those filed without one belong to the tenant's default entity.
        var defaultEntity = LegalEntity.Default(tenant.Id, tenant.Name, tenant.Sector == Sector.Banking && tenant.Jurisdiction == Jurisdiction.UK, now);
        await legalEntities.AddAsync(defaultEntity, cancellationToken);

        await audit.RecordAsync("tenant.created", AuditTrail.Tenant, tenant.Id, AuditTrail.UnversionedEntity, ["name", "sector", "jurisdiction"], cancellationToken);
        await audit.RecordAsync("legal_entity.created", AuditTrail.LegalEntity, defaultEntity.Id, defaultEntity.Version, ["name", "permissions"],
            cancellationToken);
        await audit.RecordAsync("staff.added", AuditTrail.Staff, admin.Id, admin.Version, ["subject", "email", "displayName", "kind", "roles"], cancellationToken);
        await platformAudit.RecordAsync(PlatformAudit.PlatformAuditTrail.Created, tenant.Id, null, cancellationToken);
        return TenantDto.From(tenant);
    }
}
