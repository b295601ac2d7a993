using Cms.Domain.Common;
using Cms.Domain.Regulation;

namespace Cms.Infrastructure.Calendar;

internal sealed class ClosureDayRow
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public DateOnly Day { get; init; }
    public string Name { get; init; } = "";
    public bool Active { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public const string Columns = "id, tenant_id, day, name, active, updated_at";

    public ClosureDay ToDomain() => new(Id, TenantId, Day, Name, Active, UpdatedAt);
}

internal sealed class ClockSettingsRow
{
    public int? InternalSlaAmount { get; init; }
    public string? InternalSlaUnit { get; init; }
    public int AtRiskDays { get; init; }

    public const string Columns = "internal_sla_amount, internal_sla_unit, at_risk_days";

    public ClockSettings ToDomain() => new(
        InternalSlaAmount is { } amount && InternalSlaUnit is { } unit ? new InternalSla(amount, WireNames.Parse<ClockUnit>(unit)) : null,
        AtRiskDays);
}
