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
            $"SELECT {ClosureDayRow.Map.Columns} FROM tenant_closure_days WHERE tenant_id = @TenantId AND day = @Day",
            new { TenantId = scope.Required, Day = date }, cancellationToken))?.ToDomain();

    public async Task AddClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        // Nobody reads these writes' counts: they travel with COMMIT (docs/adr/0011); a day added concurrently fails there
        // on its unique key (409), as it failed here before.
        await db.DeferAsync(ClosureDayRow.Map.Insert, ClosureDayRow.From(day, TenantGuard.Check(scope, day.TenantId)), cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task UpdateClosureDayAsync(ClosureDay day, CancellationToken cancellationToken)
    {
        await db.DeferAsync($"UPDATE tenant_closure_days SET {ClosureDayRow.Map.UpdateSet} WHERE {ClosureDayRow.Map.KeyEquals}",
            ClosureDayRow.From(day, TenantGuard.Check(scope, day.TenantId)), cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<ClockSettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<ClockSettingsRow>(
            $"SELECT {ClockSettingsRow.Map.Columns} FROM tenant_clock_settings WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken))?.ToDomain() ?? ClockSettings.Default;

    public async Task SaveSettingsAsync(ClockSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync(ClockSettingsRow.Map.Upsert,
            new ClockSettingsRow
            {
                TenantId = scope.Required,
                InternalSlaAmount = settings.InternalSla?.Amount,
                InternalSlaUnit = settings.InternalSla?.Unit.ToWire(),
                AtRiskDays = settings.AtRiskDays,
                UpdatedAt = now,
            },
            cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ClosureDayDto>> ListClosureDaysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<ClosureDayRow>(
            $"""
            SELECT {ClosureDayRow.Map.Columns} FROM tenant_closure_days
            WHERE tenant_id = @TenantId AND active = @Active AND day >= @From AND day <= @To ORDER BY day
            """,
            new { TenantId = scope.Required, Active = true, From = from, To = to }, cancellationToken);
        return [.. rows.Select(r => new ClosureDayDto(r.Id, r.Day, r.Name))];
    }
}
