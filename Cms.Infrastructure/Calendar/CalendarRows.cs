using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Calendar;

/// <summary>A tenant_closure_days row.</summary>
internal sealed class ClosureDayRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public DateOnly Day { get; init; }
    public string Name { get; init; } = "";
    public bool Active { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static readonly ColumnMap Map = new("tenant_closure_days", keys: ["tenant_id", "id"], setOnce: ["day", "created_at"],
        mutable: ["name", "active", "updated_at"]);

    /// <summary>The row of a closure day (a new one is created when it is last updated).</summary>
    public static ClosureDayRow From(ClosureDay day, Guid tenantId) => new()
    {
        TenantId = tenantId,
        Id = day.Id,
        Day = day.Date,
        Name = day.Name,
        Active = day.Active,
        CreatedAt = day.UpdatedAt,
        UpdatedAt = day.UpdatedAt,
    };

    public ClosureDay ToDomain() => new(Id, TenantId, Day, Name, Active, UpdatedAt);
}

/// <summary>A tenant_clock_settings row: one per tenant, written whole (insert or replace).</summary>
internal sealed class ClockSettingsRow
{
    public Guid TenantId { get; init; }
    public int? InternalSlaAmount { get; init; }
    public string? InternalSlaUnit { get; init; }
    public int AtRiskDays { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static readonly ColumnMap Map = new("tenant_clock_settings", keys: ["tenant_id"], setOnce: [],
        mutable: ["internal_sla_amount", "internal_sla_unit", "at_risk_days", "updated_at"]);

    public ClockSettings ToDomain() => new(
        InternalSlaAmount is { } amount && InternalSlaUnit is { } unit ? new InternalSla(amount, WireNames.Parse<ClockUnit>(unit)) : null,
        AtRiskDays);
}
