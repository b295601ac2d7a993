using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Consumers.FindConsumers;

/// <summary>Exact-match lookup by external reference, e-mail or phone; there is no listing of all consumers.</summary>
public sealed record FindConsumersQuery(string? ExternalRef, string? Email, int? Limit, string? Cursor, string? Phone = null)
    : IQuery<Result<Page<ConsumerDto>>>, IUseCaseMessage, IPagedRequest
{
    UseCase IUseCaseMessage.UseCase => UseCase.FindConsumers;
}

public sealed class FindConsumersValidator : IValidator<FindConsumersQuery>
{
    public void Validate(FindConsumersQuery request, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(request.ExternalRef) && string.IsNullOrWhiteSpace(request.Email) && string.IsNullOrWhiteSpace(request.Phone))
        {
            errors.Add("externalRef", "Give 'externalRef', 'email' or 'phone' to look a consumer up.");
        }

        errors.MaxLength("phone", request.Phone, Limits.Phone);

        errors.MaxLength("externalRef", request.ExternalRef, Limits.ExternalRef);
        errors.MaxLength("email", request.Email, Limits.Email);
        errors.Page(request);
    }
}

internal sealed class FindConsumersHandler(IConsumerQueries consumers) : IQueryHandler<FindConsumersQuery, Result<Page<ConsumerDto>>>
{
    public async ValueTask<Result<Page<ConsumerDto>>> Handle(FindConsumersQuery query, CancellationToken cancellationToken) =>
        await consumers.FindAsync(
            string.IsNullOrWhiteSpace(query.ExternalRef) ? null : query.ExternalRef.Trim(),
            string.IsNullOrWhiteSpace(query.Email) ? null : query.Email, // the blind index normalises
            string.IsNullOrWhiteSpace(query.Phone) ? null : query.Phone,
            query.EffectiveLimit(), query.After(), cancellationToken);
}
