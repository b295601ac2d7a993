using Cms.Application.Common;
using Cms.Application.Letters.PublishLetterTemplate;
using Cms.Domain.Common;
using Mediator;

namespace Cms.Application.Letters.ListLetterTemplates;

/// <summary>The current version of the tenant's template for each letter type.</summary>
public sealed record ListLetterTemplatesQuery : IQuery<Result<IReadOnlyList<LetterTemplateDto>>>, IUseCaseMessage
{
    UseCase IUseCaseMessage.UseCase => UseCase.ListLetterTemplates;
}

internal sealed class ListLetterTemplatesHandler(ILetterTemplateRepository templates, ILetterEngine engine)
    : IQueryHandler<ListLetterTemplatesQuery, Result<IReadOnlyList<LetterTemplateDto>>>
{
    public async ValueTask<Result<IReadOnlyList<LetterTemplateDto>>> Handle(ListLetterTemplatesQuery query, CancellationToken cancellationToken)
    {
        var current = await templates.ListCurrentAsync(cancellationToken);
        return current.Select(t => LetterTemplateDto.Of(t, PublishLetterTemplateHandler.CheckAll(engine, t.Subject, t.BodyText, t.BodyHtml).Placeholders))
            .ToList();
    }
}
