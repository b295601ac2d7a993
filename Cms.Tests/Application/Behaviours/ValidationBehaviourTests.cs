using Cms.Application.Behaviours;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Tests.Application;

public sealed class ValidationBehaviourTests
{
    private static readonly ComplaintDto Answer = new(Guid.NewGuid(), "CMP-2026-000001", Guid.NewGuid(), Channel.Web, "p", null, "c", null,
        "d", Priority.Normal, false, new ComplaintVulnerabilityDto(false, [], null), false, false, "uk_banking_fca_disp1", 2,
        ComplaintStatus.Received, null, DateTimeOffset.UnixEpoch, null, null, null, null, null, null, null, null, null, null, null,
        [], null, null, [], null, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);

    private static FileComplaintCommand ValidFile() =>
        new(Guid.NewGuid(), Channel.Web, "Current account", "Charges", "Charged twice.", null, null, null, null, null);

    private static async Task<(Result<ComplaintDto> Result, int Calls)> Run<TMessage>(TMessage message, params IValidator<TMessage>[] validators)
        where TMessage : Mediator.IMessage
    {
        var calls = 0;
        var behaviour = new ValidationBehaviour<TMessage, Result<ComplaintDto>>(validators);
        var result = await behaviour.Handle(message, (_, _) =>
        {
            calls++;
            return ValueTask.FromResult<Result<ComplaintDto>>(Answer);
        }, CancellationToken.None);
        return (result, calls);
    }

    [Test]
    public async Task Field_errors_end_the_request_with_a_validation_failure_naming_the_fields()
    {
        var (result, calls) = await Run(ValidFile() with { ConsumerId = Guid.Empty, Product = " ", Channel = null }, new FileComplaintValidator());

        var error = Expect.Invalid(result, "consumerId", "product", "channel");
        Assert.That(error.Fields!["product"], Is.EqualTo(new[] { "'product' is required." }));
        Assert.That(calls, Is.Zero, "the handler is not reached");
    }

    [Test]
    public async Task A_valid_message_goes_on_to_the_handler()
    {
        var (result, calls) = await Run(ValidFile(), new FileComplaintValidator());

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(result.Value, Is.SameAs(Answer));
        Assert.That(calls, Is.EqualTo(1));
    }

    [Test]
    public async Task Every_validator_of_the_message_contributes()
    {
        var command = new ResolveComplaintCommand(Guid.Empty, 0, null, new RedressDto(new MoneyDto(-1, "GBP"), null), null);

        var (result, calls) = await Run(command, new ComplaintTransitionValidator<ResolveComplaintCommand>(), new ResolveComplaintValidator());

        Expect.Invalid(result, "id", "If-Match", "outcome", "redress.monetary.amountMinor");
        Assert.That(calls, Is.Zero);
    }

    [Test]
    public async Task A_message_without_validators_goes_on()
    {
        var (result, calls) = await Run(ValidFile() with { Product = null });

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(calls, Is.EqualTo(1));
    }
}
