using System.ComponentModel.DataAnnotations;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Application.Queues;
using Cms.Application.Taxonomies;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Taxonomies;
using Mediator;

namespace Cms.Application.Complaints.FileComplaint;

/// <summary>Files a complaint for a consumer of the caller's tenant; the answer carries its reference and deadlines.</summary>
public sealed record FileComplaintCommand(
    Guid ConsumerId,
    [Required] Channel? Channel,
    [Required] string? Product,
    [Required] string? Category,
    [Required] string? Description,
    DateTimeOffset? ReceivedAt,
    Priority? Priority,
    bool? VulnerabilityInvolved,
    bool? PaymentServices,
    bool? Disability) : ICommand<Result<ComplaintDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.FileComplaint;

    /// <summary>The code of one of the tenant's active queues to file the complaint into; absent: no queue (then, while
    /// unassigned, only supervisors and tenant admins handle it, and route it).</summary>
    public string? Queue { get; init; }

    /// <summary>The legal entity of the caller's tenant the complaint belongs to (GET /v1/legal-entities); absent: the
    /// tenant's default entity.</summary>
    public Guid? LegalEntityId { get; init; }
}

public sealed class FileComplaintValidator : IValidator<FileComplaintCommand>
{
    public void Validate(FileComplaintCommand request, ValidationErrors errors)
    {
        errors.Id("consumerId", request.ConsumerId);
        errors.Defined("channel", request.Channel);
        errors.Required("product", request.Product, Limits.Product);
        errors.Required("category", request.Category, Limits.Category);
        errors.Required("description", request.Description, Limits.Description);
        errors.Defined("priority", request.Priority, required: false);
        if (request.LegalEntityId is { } legalEntityId)
        {
            errors.Id("legalEntityId", legalEntityId);
        }
        if (request.Queue is not null && !Cms.Domain.Queues.Queue.IsValidCode(request.Queue))
        {
            errors.Add("queue", "'queue' must be a queue code (lower-case letters, digits or hyphens).");
        }
    }
}

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
