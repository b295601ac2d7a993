using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Queues;

namespace Cms.Application.Queues;

/// <summary>The <c>queue</c> and <c>unassigned</c> filters the complaint list and the due list share.</summary>
public static class QueueFilter
{
    public static void Validate(string? queue, bool? unassigned, Guid? assigneeId, ValidationErrors errors)
    {
        if (queue is not null && !Queue.IsValidCode(queue))
        {
            errors.Add("queue", "'queue' must be a queue code (lower-case letters, digits or hyphens).");
        }

        if (unassigned == true && assigneeId is not null)
        {
            errors.Add("unassigned", "Give at most one of 'unassigned=true' and 'assigneeId'.");
        }
    }

    /// <summary>The queue's id; null when no queue was asked for; a 400 for a code that is not one of the tenant's queues.</summary>
    public static async Task<Result<Guid?>> ResolveAsync(IQueueQueries queues, string? code, CancellationToken cancellationToken)
    {
        if (code is null)
        {
            return (Guid?)null;
        }

        var id = await queues.FindIdByCodeAsync(code, cancellationToken);
        if (id is null)
        {
            return QueueLookup.Unknown("queue");
        }

        return id;
    }
}
