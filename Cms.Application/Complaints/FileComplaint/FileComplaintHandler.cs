using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.LegalEntities;
using Cms.Application.Queues;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Complaints.FileComplaint;

internal sealed class FileComplaintHandler(
    ITenantRepository tenants,
    ITenantClockRepository clocks,
    IConsumerRepository consumers,
    IComplaintRepository complaints,
    IComplaintQueries queries,
    ITaxonomyRepository taxonomies,
    IQueueRepository queues,
    ILegalEntityRepository legalEntities,
    TenantScope scope,
    AuditTrail audit,
    TimeProvider clock) : ICommandHandler<FileComplaintCommand, Result<ComplaintDto>>
{
    public async ValueTask<Result<ComplaintDto>> Handle(FileComplaintCommand command, CancellationToken cancellationToken)
    {
        // Another tenant's consumer id is answered exactly like a missing one.
        if (!await consumers.ExistsAsync(command.ConsumerId, cancellationToken))
        {
            return Error.NotFound("consumer");
        }

        var product = await Classification.ResolveAsync(taxonomies, TaxonomyKind.Product, "product", command.Product!, cancellationToken);
        if (!product.IsSuccess)
        {
            return product.Error;
        }

        var category = await Classification.ResolveAsync(taxonomies, TaxonomyKind.Category, "category", command.Category!, cancellationToken);
        if (!category.IsSuccess)
        {
            return category.Error;
        }

        Guid? queueId = null;
        if (command.Queue is { } code)
        {
            var queue = await QueueLookup.ActiveAsync(queues, "queue", code, cancellationToken);
            if (!queue.IsSuccess)
            {
                return queue.Error;
            }

            queueId = queue.Value.Id;
        }

        var legalEntity = await LegalEntityLookup.ForFilingAsync(legalEntities, command.LegalEntityId, scope.Required, cancellationToken);
        if (!legalEntity.IsSuccess)
        {
            return legalEntity.Error;
        }

        var tenantId = scope.Required;
        var profile = await tenants.ProfileAsync(tenantId, cancellationToken)
                      ?? throw new InvalidOperationException("The caller's tenant does not exist.");
        var now = clock.GetUtcNow();
        var receivedAt = command.ReceivedAt?.ToUniversalTime();
        var tenantClock = await TenantClocks.ForAsync(clocks, profile, receivedAt ?? now, cancellationToken);
        var sequence = await complaints.NextSequenceAsync(now.Year, cancellationToken);
        var filed = Complaint.File(new ComplaintFiling(Ids.New(), tenantId, ComplaintReference.Format(now.Year, sequence), command.ConsumerId,
            command.Channel!.Value, product.Value.Code, category.Value.Code, command.Description!, command.Priority ?? Priority.Normal, profile)
        {
            ProductVersion = product.Value.Version,
            CategoryVersion = category.Value.Version,
            VulnerabilityInvolved = command.VulnerabilityInvolved ?? false,
            Flags = new ComplaintFlags(command.PaymentServices ?? false, command.Disability ?? false),
            ReceivedAt = receivedAt,
            QueueId = queueId,
            Clock = tenantClock,
        }, now);
        if (!filed.IsSuccess)
        {
            return filed.Error;
        }

        var complaint = filed.Value;
        await complaints.AddAsync(complaint, cancellationToken);
        await legalEntities.AssignComplaintAsync(complaint.Id, legalEntity.Value.Id, cancellationToken);
        await audit.RecordAsync("complaint.filed", AuditTrail.Complaint, complaint.Id, complaint.Version,
            queueId is null
                ? ["reference", "consumerId", "channel", "product", "category", "description", "priority", "receivedAt", "deadlines", "legalEntityId"]
                : ["reference", "consumerId", "channel", "product", "category", "description", "priority", "receivedAt", "deadlines", "queueId",
                   "legalEntityId"],
            cancellationToken);
        // The answer from what was written: no read back (docs/adr/0011).
        return await queries.AsWrittenAsync(complaint, legalEntity.Value.Id, now, cancellationToken);
    }
}
