using Cms.Application.Abstractions;
using Cms.Application.Calendar;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Calendar;

/// <summary>The tenant's closure days and clock settings (tenant tables under row-level security). The clock a command
/// computes deadlines with is served from the service's cache under the tenant's reference stamp; every change to either
/// sets a new stamp in its transaction.</summary>
// Reads the primary for ICalendarQueries too: one small table that commands read for every deadline; the calendar page reads what they use.
internal sealed class TenantClockRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp)
    : ITenantClockRepository, ICalendarQueries
{
    public Task<TenantClock> GetClockAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        cache.GetAsync(stamp, $"clock:{from:O}:{to:O}", () => ReadClockAsync(from, to, cancellationToken));

    private async Task<TenantClock> ReadClockAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var days = await db.QueryAsync<DateOnly>(
            "SELECT day FROM tenant_closure_days WHERE tenant_id = @TenantId AND active = @Active AND day >= @From AND day <= @To",
            new { TenantId = scope.Required, Active = true, From = from, To = to }, cancellationToken);
        var settings = await GetSettingsAsync(cancellationToken);
        return new TenantClock(new ClosureDays(days), settings.InternalSla);
    }

    public async Task<ClosureDay?> GetClosureDayAsync(DateOnly date, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<ClosureDayRow>(
            $"SELECT {ClosureDayRow.Columns} FROM tenant_closure_days WHERE tenant_id = @TenantId AND day = @Day",
            new { TenantId = scope.Required, Day = date }, cancellationToken))?.ToDomain();

    public async Task AddClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync(
            """
            INSERT INTO tenant_closure_days (tenant_id, id, day, name, active, created_at, updated_at)
            VALUES (@TenantId, @Id, @Day, @Name, @Active, @UpdatedAt, @UpdatedAt)
            """,
            new { TenantId = TenantGuard.Check(scope, day.TenantId), day.Id, Day = day.Date, day.Name, day.Active, day.UpdatedAt },
            cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task UpdateClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync(
            "UPDATE tenant_closure_days SET name = @Name, active = @Active, updated_at = @UpdatedAt WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = TenantGuard.Check(scope, day.TenantId), day.Id, day.Name, day.Active, day.UpdatedAt }, cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<ClockSettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<ClockSettingsRow>(
            $"SELECT {ClockSettingsRow.Columns} FROM tenant_clock_settings WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken))?.ToDomain() ?? ClockSettings.Default;

    public async Task SaveSettingsAsync(ClockSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync(
            """
            INSERT INTO tenant_clock_settings (tenant_id, internal_sla_amount, internal_sla_unit, at_risk_days, updated_at)
            VALUES (@TenantId, @Amount, @Unit, @AtRiskDays, @Now)
            ON CONFLICT (tenant_id) DO UPDATE SET internal_sla_amount = excluded.internal_sla_amount,
                internal_sla_unit = excluded.internal_sla_unit, at_risk_days = excluded.at_risk_days, updated_at = excluded.updated_at
            """,
            new
            {
                TenantId = scope.Required,
                settings.InternalSla?.Amount,
                Unit = settings.InternalSla?.Unit.ToWire(),
                settings.AtRiskDays,
                Now = now,
            },
            cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ClosureDayDto>> ListClosureDaysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<ClosureDayRow>(
            $"""
            SELECT {ClosureDayRow.Columns} FROM tenant_closure_days
            WHERE tenant_id = @TenantId AND active = @Active AND day >= @From AND day <= @To ORDER BY day
            """,
            new { TenantId = scope.Required, Active = true, From = from, To = to }, cancellationToken);
        return [.. rows.Select(r => new ClosureDayDto(r.Id, r.Day, r.Name))];
    }
}
