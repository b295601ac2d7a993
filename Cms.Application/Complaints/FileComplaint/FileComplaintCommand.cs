using System.ComponentModel.DataAnnotations;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
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
