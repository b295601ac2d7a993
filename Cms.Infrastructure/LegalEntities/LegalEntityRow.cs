using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;
using Cms.Domain.LegalEntities;

namespace Cms.Infrastructure.LegalEntities;

/// <summary>A legal_entities row: the one column map of the table. Permissions are stored as their wire names, comma-separated.</summary>
internal sealed class LegalEntityRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string? FirmReferenceNumber { get; init; }
    public string Permissions { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }

    public static readonly ColumnMap Map = new("legal_entities", keys: ["tenant_id", "id"], setOnce: ["created_at"],
        mutable: ["name", "firm_reference_number", "permissions", "updated_at", "version"]);

    public LegalEntity ToDomain() => LegalEntity.Restore(Id, TenantId, Name, FirmReferenceNumber,
        [.. Permissions.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WireNames.Parse<FcaPermission>)], CreatedAt, UpdatedAt, Version);

    public static object Parameters(LegalEntity e, Guid tenantId) => new
    {
        TenantId = tenantId,
        e.Id,
        e.Name,
        e.FirmReferenceNumber,
        Permissions = string.Join(',', e.Permissions.Select(p => p.ToWire())),
        e.CreatedAt,
        e.UpdatedAt,
        e.Version,
    };
}
