namespace Cms.Application.Tenants;

public enum OffboardingState
{
    /// <summary>Keys being destroyed, then rows deleted in batches.</summary>
    Deleting,

    /// <summary>Every row of the tenant is gone, the registry row too.</summary>
    Completed,
}

/// <summary>The status resource of a tenant's deletion (<c>GET /v1/tenants/{id}/offboarding</c>). <c>rowsDeleted</c> and
/// <c>batches</c> count committed batches; <c>currentTable</c> is the table being emptied.</summary>
public sealed record TenantOffboardingDto(Guid TenantId, OffboardingState State, DateTimeOffset RequestedAt, string RequestedBy,
    long? ExportEntrySequence, string? WithoutExportReason, DateTimeOffset? KeysDestroyedAt, string? CurrentTable, long RowsDeleted,
    long Batches, DateTimeOffset? CompletedAt);

/// <summary>A new offboarding, as the request creates it.</summary>
public sealed record NewTenantOffboarding(Guid TenantId, DateTimeOffset RequestedAt, string RequestedBy, long? ExportEntrySequence,
    string? WithoutExportReason)
{
    /// <summary>The status resource as written (nothing deleted yet): the answer, with no read back (docs/adr/0011).</summary>
    public TenantOffboardingDto AsWritten() =>
        new(TenantId, OffboardingState.Deleting, RequestedAt, RequestedBy, ExportEntrySequence, WithoutExportReason, null, null, 0, 0, null);
}

/// <summary>The persisted state of tenant deletions (a platform table: it outlives the tenant).</summary>
public interface ITenantOffboardings
{
    Task<TenantOffboardingDto?> GetAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>As <see cref="GetAsync"/>, the read queued to travel with the transaction's next load; the function, called
    /// after that load, gives the offboarding.</summary>
    Func<CancellationToken, Task<TenantOffboardingDto?>> GetAlong(Guid tenantId) => cancellationToken => GetAsync(tenantId, cancellationToken);

    /// <summary>Stores a new offboarding; once the transaction commits, this instance's worker starts on it.</summary>
    Task AddAsync(NewTenantOffboarding offboarding, CancellationToken cancellationToken);
}
