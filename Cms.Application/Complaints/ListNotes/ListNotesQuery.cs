using Cms.Application.Common;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Complaints.ListNotes;

/// <summary>The notes of one complaint, oldest first.</summary>
public sealed record ListNotesQuery(Guid ComplaintId, int? Limit, string? Cursor) : IQuery<Result<Page<NoteDto>>>, IUseCaseMessage, IPagedRequest, IComplaintScoped
{
    UseCase IUseCaseMessage.UseCase => UseCase.GetComplaintHistory;
}

public sealed class ListNotesValidator : IValidator<ListNotesQuery>
{
    public void Validate(ListNotesQuery request, ValidationErrors errors) => errors.Page(request);
}

internal sealed class ListNotesHandler(IComplaintQueries complaints) : IQueryHandler<ListNotesQuery, Result<Page<NoteDto>>>
{
    public async ValueTask<Result<Page<NoteDto>>> Handle(ListNotesQuery query, CancellationToken cancellationToken)
    {
        if (!await complaints.ExistsAsync(query.ComplaintId, cancellationToken))
        {
            return Error.NotFound("complaint");
        }

        return await complaints.ListNotesAsync(query.ComplaintId, query.EffectiveLimit(), query.After(), cancellationToken);
    }
}
