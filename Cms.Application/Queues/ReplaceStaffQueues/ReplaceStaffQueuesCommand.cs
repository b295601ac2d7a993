using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Staff;
using Cms.Domain.Common;
using Cms.Domain.Queues;
using Mediator;

namespace Cms.Application.Queues.ReplaceStaffQueues;

/// <summary>
/// Replaces the queues a staff member works (tenant_admin or supervisor; If-Match optional, with the member's ETag): the
/// whole list of queue codes, empty for none. Takes effect on the member's next request, like a change of roles.
/// </summary>
public sealed record ReplaceStaffQueuesCommand(Guid StaffId, IReadOnlyList<string>? Queues, long? ExpectedVersion)
    : ICommand<Result<StaffQueuesDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ReplaceStaffQueues;

    /// <summary>More queues than any team works; keeps one request's lookups bounded.</summary>
    public const int MaxQueues = 50;
}

public sealed class ReplaceStaffQueuesValidator : IValidator<ReplaceStaffQueuesCommand>
{
    public void Validate(ReplaceStaffQueuesCommand request, ValidationErrors errors)
    {
        errors.Id("id", request.StaffId);
        if (request.Queues is null)
        {
            errors.Add("queues", "'queues' is required: the whole list of queue codes the member works (empty for none).");
        }
        else if (request.Queues.Count > ReplaceStaffQueuesCommand.MaxQueues)
        {
            errors.Add("queues", $"'queues' may name at most {ReplaceStaffQueuesCommand.MaxQueues} queues.");
        }
        else if (request.Queues.Any(q => !Queue.IsValidCode(q)))
        {
            errors.Add("queues", "'queues' must hold queue codes (lower-case letters, digits or hyphens).");
        }
        else if (request.Queues.Distinct(StringComparer.Ordinal).Count() != request.Queues.Count)
        {
            errors.Add("queues", "'queues' must not name a queue twice.");
        }
    }
}

internal sealed class ReplaceStaffQueuesHandler(IStaffRepository staff, IQueueRepository queues, AuditTrail audit)
    : ICommandHandler<ReplaceStaffQueuesCommand, Result<StaffQueuesDto>>
{
    public async ValueTask<Result<StaffQueuesDto>> Handle(ReplaceStaffQueuesCommand command, CancellationToken cancellationToken)
    {
        // The queues the service does not hold yet travel with the member's load: one round trip (docs/adr/0011 part 7).
        var lookups = command.Queues!.Select(code => queues.FindByCodeWithNextLoad(code.Trim())).ToList();
        var loaded = await StaffChange.LoadAsync(staff, command.StaffId, command.ExpectedVersion, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }

        var member = loaded.Value;
        var chosen = new List<Queue>();
        foreach (var lookup in lookups)
        {
            var queue = QueueLookup.Active(await lookup(cancellationToken), "queues");
            if (!queue.IsSuccess)
            {
                return queue.Error;
            }

            chosen.Add(queue.Value);
        }

        var version = member.Version;
        var replaced = member.ReplaceQueues(chosen.Select(q => q.Id));
        if (!replaced.IsSuccess)
        {
            return replaced.Error;
        }

        var saved = await StaffChange.SaveAsync(staff, member, version, cancellationToken);
        if (!saved.IsSuccess)
        {
            return saved.Error;
        }

        await staff.ReplaceQueuesAsync(member, cancellationToken);
        await audit.RecordAsync("staff.queues_replaced", AuditTrail.Staff, member.Id, member.Version, ["queues"], cancellationToken);
        return new StaffQueuesDto(member.Id, [.. chosen.Select(q => q.Code).Order(StringComparer.Ordinal)], member.Version);
    }
}
