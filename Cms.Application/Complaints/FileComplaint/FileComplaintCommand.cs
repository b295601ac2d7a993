using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Mediator;

namespace Cms.Application.Complaints.FileComplaint;

/// <summary>Files a complaint for a consumer of the caller's tenant; the answer carries its reference and deadlines.</summary>
public sealed record FileComplaintCommand(
    Guid ConsumerId,
    Channel? Channel,
    string? Product,
    string? Category,
    string? Description,
    DateTimeOffset? ReceivedAt,
    Priority? Priority,
    bool? VulnerabilityInvolved,
    bool? PaymentServices,
    bool? Disability) : ICommand<Result<ComplaintDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.FileComplaint;
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
    }
}
