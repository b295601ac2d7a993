using System.Text.Json;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Domain.Retention;
using Mediator;

namespace Cms.Application.Retention.SetRetentionSchedule;

/// <summary>Replaces the tenant's retention schedule: days after closure, per-profile overrides (profile code → days)
/// and the products whose complaints relate to MiFID business. The regulatory floors apply whatever it says.</summary>
public sealed record SetRetentionScheduleCommand(int? AfterClosureDays, IReadOnlyDictionary<string, int>? PerProfile,
    IReadOnlyList<string>? MifidProducts) : ICommand<Result<RetentionScheduleDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.SetRetentionSchedule;
}

public sealed class SetRetentionScheduleValidator : IValidator<SetRetentionScheduleCommand>
{
    private static readonly HashSet<string> ProfileCodes = [.. RegulatoryProfiles.All.Select(p => p.Code)];

    public void Validate(SetRetentionScheduleCommand request, ValidationErrors errors)
    {
        if (request.AfterClosureDays is not { } days)
        {
            errors.Add("afterClosureDays", "'afterClosureDays' is required.");
        }
        else if (days < 0 || days > RetentionSchedule.MaxDays)
        {
            errors.Add("afterClosureDays", $"'afterClosureDays' must be between 0 and {RetentionSchedule.MaxDays}.");
        }

        if (request.PerProfile is { } perProfile)
        {
            if (perProfile.Count > RetentionSchedule.MaxEntries)
            {
                errors.Add("perProfile", $"'perProfile' holds at most {RetentionSchedule.MaxEntries} profiles.");
            }

            foreach (var (code, value) in perProfile.Take(RetentionSchedule.MaxEntries))
            {
                if (!ProfileCodes.Contains(code))
                {
                    errors.Add("perProfile", $"'perProfile' names an unknown regulatory profile; known: {string.Join(", ", ProfileCodes.Order(StringComparer.Ordinal))}.");
                }
                else if (value < 0 || value > RetentionSchedule.MaxDays)
                {
                    errors.Add($"perProfile.{code}", $"Days must be between 0 and {RetentionSchedule.MaxDays}.");
                }
            }
        }

        if (request.MifidProducts is { } products)
        {
            if (products.Count > RetentionSchedule.MaxEntries)
            {
                errors.Add("mifidProducts", $"'mifidProducts' holds at most {RetentionSchedule.MaxEntries} products.");
            }

            if (products.Take(RetentionSchedule.MaxEntries).Any(p => string.IsNullOrWhiteSpace(p) || p.Length > 100))
            {
                errors.Add("mifidProducts", "Each product code must be 1 to 100 characters.");
            }
        }
    }
}

internal sealed class SetRetentionScheduleHandler(IRetentionStore store, TenantScope scope, AuditTrail audit, TimeProvider clock)
    : ICommandHandler<SetRetentionScheduleCommand, Result<RetentionScheduleDto>>
{
    public async ValueTask<Result<RetentionScheduleDto>> Handle(SetRetentionScheduleCommand command, CancellationToken cancellationToken)
    {
        var before = RetentionScheduleDto.From(await store.GetScheduleAsync(cancellationToken));
        var schedule = new RetentionSchedule(command.AfterClosureDays!.Value,
            new SortedDictionary<string, int>(command.PerProfile?.ToDictionary() ?? [], StringComparer.Ordinal),
            [.. (command.MifidProducts ?? []).Select(p => p.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        var after = RetentionScheduleDto.From(schedule);
        var changes = new[]
        {
            new FieldChange("afterClosureDays", Text(before.AfterClosureDays), Text(after.AfterClosureDays)),
            new FieldChange("perProfile", Text(before.PerProfile), Text(after.PerProfile)),
            new FieldChange("mifidProducts", Text(before.MifidProducts), Text(after.MifidProducts)),
        }.Where(c => c.Old != c.New).ToList();
        if (changes.Count > 0)
        {
            await store.SaveScheduleAsync(schedule, clock.GetUtcNow(), cancellationToken);
            await audit.RecordAsync("retention.schedule_updated", AuditTrail.Tenant, scope.Required, AuditTrail.UnversionedEntity,
                [.. changes.Select(c => c.Field)], new AuditValues(null, changes), cancellationToken);
        }

        return after;
    }

    private static string Text<T>(T value) => JsonSerializer.Serialize(value);
}
