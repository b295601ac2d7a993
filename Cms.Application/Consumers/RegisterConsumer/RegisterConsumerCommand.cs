using System.ComponentModel.DataAnnotations;
using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.RegisterConsumer;

/// <summary>Registers a consumer (complainant) of the caller's tenant.</summary>
public sealed record RegisterConsumerCommand(
    [Required] string? ExternalRef,
    [Required] string? FullName,
    string? Email,
    string? Phone,
    AddressDto? Address,
    DateOnly? DateOfBirth,
    VulnerabilityDto? Vulnerability) : ICommand<Result<ConsumerDto>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.RegisterConsumer;
}

public sealed class RegisterConsumerValidator(TimeProvider clock) : IValidator<RegisterConsumerCommand>
{
    public void Validate(RegisterConsumerCommand request, ValidationErrors errors)
    {
        errors.Required("externalRef", request.ExternalRef, Limits.ExternalRef);
        errors.Required("fullName", request.FullName, Limits.Name);
        errors.Email("email", request.Email, required: false);
        errors.Phone("phone", request.Phone);
        ConsumerInput.CheckAddress(request.Address, errors);
        ConsumerInput.CheckVulnerability(request.Vulnerability, errors);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (request.DateOfBirth is { } dob && (dob > today || dob < today.AddYears(-130)))
        {
            errors.Add("dateOfBirth", "'dateOfBirth' must be a past date within the last 130 years.");
        }
    }
}
