using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Domain.Common;
using Cms.Domain.Consumers;

namespace Cms.Application.Consumers;

/// <summary>
/// The one erasure of a consumer (security.md 12), for the erasure request and the retention job alike: the domain refuses
/// it under a legal hold or when already erased; the repository destroys the consumer's data key and clears what it
/// sealed; the audit trail records <c>consumer.erased</c> under the caller in scope (staff, or the retention job). Both read
/// the consumer here, the same way: locked, with the first batch of its unsealed complaints and notes read along
/// (<see cref="IConsumerRepository.GetForErasureAsync"/>), so the job takes the request's locks in the request's order.
/// </summary>
public sealed class ConsumerErasure(IConsumerRepository consumers, AuditTrail audit, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> ErasedFields = ["externalRef", "fullName", "email", "phone", "address", "dateOfBirth", "vulnerability"];

    /// <summary>Erases the consumer with this id: not found, refused by the domain, or the consumer as erased.</summary>
    public async Task<Result<Consumer>> EraseAsync(Guid consumerId, CancellationToken cancellationToken)
    {
        var consumer = await consumers.GetForErasureAsync(consumerId, cancellationToken);
        if (consumer is null)
        {
            return Error.NotFound("consumer");
        }

        var erased = await EraseLoadedAsync(consumer, cancellationToken);
        return erased.IsSuccess ? consumer : erased.Error;
    }

    private async Task<Result> EraseLoadedAsync(Consumer consumer, CancellationToken cancellationToken)
    {
        var expectedVersion = consumer.Version;
        var erased = consumer.Erase(clock.GetUtcNow());
        if (!erased.IsSuccess)
        {
            return erased;
        }

        if (!await consumers.UpdateAsync(consumer, expectedVersion, cancellationToken))
        {
            return Error.StaleVersion(expectedVersion, expectedVersion + 1);
        }

        await audit.RecordAsync("consumer.erased", AuditTrail.Consumer, consumer.Id, consumer.Version, ErasedFields, cancellationToken);
        return Result.Success();
    }
}
