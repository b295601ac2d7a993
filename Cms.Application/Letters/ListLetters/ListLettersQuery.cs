using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Letters.ListLetters;

/// <summary>A complaint's letters, oldest first, with their status (draft, approved, sent).</summary>
public sealed record ListLettersQuery(Guid ComplaintId) : IQuery<Result<IReadOnlyList<LetterDto>>>, IUseCaseMessage, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListLetters;
}

public sealed class ListLettersValidator : IValidator<ListLettersQuery>
{
    public void Validate(ListLettersQuery request, ValidationErrors errors) => errors.Id("id", request.ComplaintId);
}

internal sealed class ListLettersHandler(IComplaintQueries complaints, ILetterRepository letters)
    : IQueryHandler<ListLettersQuery, Result<IReadOnlyList<LetterDto>>>
{
    public async ValueTask<Result<IReadOnlyList<LetterDto>>> Handle(ListLettersQuery query, CancellationToken cancellationToken)
    {
        if (!await complaints.ExistsAsync(query.ComplaintId, cancellationToken))
        {
            return Error.NotFound("complaint");
        }

        return Result<IReadOnlyList<LetterDto>>.Success(await letters.ListAsync(query.ComplaintId, cancellationToken));
    }
}
