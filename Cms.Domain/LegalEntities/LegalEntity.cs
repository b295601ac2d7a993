using Cms.Domain.Common;

namespace Cms.Domain.LegalEntities;

/// <summary>
/// The FCA permissions a legal entity holds, as the sections of the consolidated complaints return (PS25/19) they call
/// for: a firm completes the sections of its regulated activities. docs/regulatory-returns.md names the assumption.
/// </summary>
public enum FcaPermission
{
    Banking,
    ConsumerCredit,
    HomeFinance,
    Insurance,
    Investments,
    Pensions,
    PaymentServices,
    EMoney,
    FuneralPlans,
    ClaimsManagement,
}

/// <summary>
/// An authorised firm inside a tenant (a banking group that is one tenant holds several): the FCA return is made once
/// per legal entity (PS25/19 removed group reporting). Every complaint belongs to one. Each tenant has a default entity,
/// whose id is the tenant's id: complaints filed without a legal entity, and those filed before entities existed,
/// belong to it.
/// </summary>
public sealed class LegalEntity
{
    /// <summary>FCA firm reference numbers are six or seven digits.</summary>
    public const int MinFirmReference = 6;
    public const int MaxFirmReference = 7;

    private LegalEntity(Guid id, Guid tenantId, string name, string? firmReferenceNumber, IReadOnlyList<FcaPermission> permissions,
        DateTimeOffset createdAt, DateTimeOffset updatedAt, long version)
    {
        Id = id;
        TenantId = tenantId;
        Name = name;
        FirmReferenceNumber = firmReferenceNumber;
        Permissions = permissions;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        Version = version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string Name { get; private set; }
    public string? FirmReferenceNumber { get; private set; }
    public IReadOnlyList<FcaPermission> Permissions { get; private set; }
    public bool IsDefault => Id == TenantId;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    public static bool IsValidFirmReference(string? frn) =>
        frn is { Length: >= MinFirmReference and <= MaxFirmReference } && frn.All(char.IsAsciiDigit);

    public static Result<LegalEntity> Create(Guid id, Guid tenantId, string name, string? firmReferenceNumber,
        IReadOnlyList<FcaPermission> permissions, DateTimeOffset now)
    {
        var checkedFields = Check(name, firmReferenceNumber, permissions);
        return checkedFields.IsSuccess
            ? new LegalEntity(id, tenantId, name.Trim(), firmReferenceNumber, Ordered(permissions), now, now, 1)
            : checkedFields.Error;
    }

    /// <summary>The tenant's default entity (id = tenant id), named after the tenant; a UK bank's holds the banking permission.</summary>
    public static LegalEntity Default(Guid tenantId, string tenantName, bool ukBanking, DateTimeOffset now) =>
        new(tenantId, tenantId, tenantName, null, ukBanking ? [FcaPermission.Banking] : [], now, now, 1);

    public static LegalEntity Restore(Guid id, Guid tenantId, string name, string? firmReferenceNumber, IReadOnlyList<FcaPermission> permissions,
        DateTimeOffset createdAt, DateTimeOffset updatedAt, long version) =>
        new(id, tenantId, name, firmReferenceNumber, permissions, createdAt, updatedAt, version);

    /// <summary>Replaces the name, firm reference number and permissions (a later return uses the new sections).</summary>
    public Result Update(string name, string? firmReferenceNumber, IReadOnlyList<FcaPermission> permissions, DateTimeOffset now)
    {
        var checkedFields = Check(name, firmReferenceNumber, permissions);
        if (!checkedFields.IsSuccess)
        {
            return checkedFields;
        }

        Name = name.Trim();
        FirmReferenceNumber = firmReferenceNumber;
        Permissions = Ordered(permissions);
        UpdatedAt = now;
        Version++;
        return Result.Success();
    }

    private static Result Check(string name, string? firmReferenceNumber, IReadOnlyList<FcaPermission> permissions)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > Limits.Name)
        {
            return Error.Validation("name", $"'name' is required and must be at most {Limits.Name} characters.");
        }

        if (firmReferenceNumber is not null && !IsValidFirmReference(firmReferenceNumber))
        {
            return Error.Validation("firmReferenceNumber",
                $"'firmReferenceNumber' is the FCA firm reference number: {MinFirmReference} or {MaxFirmReference} digits.");
        }

        if (permissions.Distinct().Count() != permissions.Count || permissions.Any(p => !Enum.IsDefined(p)))
        {
            return Error.Validation("permissions", "'permissions' lists each permission at most once.");
        }

        return Result.Success();
    }

    private static FcaPermission[] Ordered(IReadOnlyList<FcaPermission> permissions) => [.. permissions.Order()];
}
