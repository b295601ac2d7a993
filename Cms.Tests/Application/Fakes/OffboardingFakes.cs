using Cms.Application.Audit;
using Cms.Application.PlatformAudit;
using Cms.Application.Tenants;
using Cms.Domain.Common;

namespace Cms.Tests.Application.Fakes;

/// <summary>The platform audit chain in memory, chained with a test key as the real log chains it.</summary>
public sealed class FakePlatformAuditLog(InMemoryDatabase db, TimeProvider clock) : IPlatformAuditLog
{
    public static readonly PlatformAuditChain Chain = new(new AuditChainKey(new byte[32]));

    public Task<PlatformAuditEntry> AppendAsync(PlatformAuditRecord record, CancellationToken cancellationToken)
    {
        var last = db.PlatformAudit.LastOrDefault();
        var entry = new PlatformAuditEntry((last?.Sequence ?? 0) + 1, Ids.New(), AuditChain.Normalise(clock.GetUtcNow()), record.Actor,
            record.Action, "tenant", record.TenantId, record.Details, record.TraceId, last?.Hash ?? PlatformAuditChain.Genesis, "");
        entry = entry with { Hash = Chain.Hash(entry) };
        db.PlatformAudit.Add(entry);
        db.Writes.Add($"platform_audit.insert {entry.Action}");
        return Task.FromResult(entry);
    }

    public Task<PlatformAuditEntry?> LatestAsync(Guid tenantId, string action, CancellationToken cancellationToken) =>
        Task.FromResult(db.PlatformAudit.LastOrDefault(e => e.EntityId == tenantId && e.Action == action));

    public Task<IReadOnlyList<PlatformAuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlatformAuditEntry>>([.. db.PlatformAudit.Where(e => e.Sequence > afterSequence).Take(limit)]);
}

public sealed class FakeTenantOffboardings(InMemoryDatabase db) : ITenantOffboardings
{
    public Task<TenantOffboardingDto?> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        Task.FromResult(db.Offboardings.GetValueOrDefault(tenantId));

    public Task AddAsync(NewTenantOffboarding offboarding, CancellationToken cancellationToken)
    {
        db.Offboardings.Add(offboarding.TenantId, new TenantOffboardingDto(offboarding.TenantId, OffboardingState.Deleting, offboarding.RequestedAt,
            offboarding.RequestedBy, offboarding.ExportEntrySequence, offboarding.WithoutExportReason, null, null, 0, 0, null));
        db.Writes.Add($"offboarding.insert {offboarding.TenantId}");
        return Task.CompletedTask;
    }
}
