using Cms.Application.Abstractions;
using Cms.Domain.Common;
using Cms.Domain.Queues;

namespace Cms.Application.Queues;

/// <summary>
/// Turns a queue code the caller gave into a queue of the caller's tenant. An unknown code (another tenant's included:
/// codes are per tenant) is a 400 naming the field; a retired queue takes no new complaints or members (409).
/// </summary>
public static class QueueLookup
{
    public static Error Unknown(string field) =>
        Error.Validation(field, $"'{field}' must be the code of one of the tenant's queues; see GET /v1/queues.");

    public static async Task<Result<Queue>> ActiveAsync(IQueueRepository queues, string field, string code, CancellationToken cancellationToken) =>
        Active(await queues.FindByCodeAsync(code.Trim(), cancellationToken), field);

    /// <summary>The queue found by code, if it exists and is not retired.</summary>
    public static Result<Queue> Active(Queue? queue, string field)
    {
        if (queue is null)
        {
            return Unknown(field);
        }

        return queue.IsRetired
            ? Error.Conflict("queue.retired", $"The queue '{queue.Code}' is retired: it takes no new complaints or members.")
            : queue;
    }
}
