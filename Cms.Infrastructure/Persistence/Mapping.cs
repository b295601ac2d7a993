using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Webhooks;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Webhooks;
using Mapster;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// The one place a flat row becomes the DTO of the same names (Mapster, compiled once): stored lower_snake_case text to
/// enums and stored JSON to lists are configured here once instead of at every row. Every DTO member must have a source
/// (<see cref="TypeAdapterConfig.RequireDestinationMemberSource"/>), so a field added to a DTO and not to its row fails
/// <c>MappingTests</c> rather than reaching callers as a default. Rows that rebuild an aggregate or a nested read model
/// (a whole complaint, a consumer, a letter) keep their hand-written <c>ToDomain</c>/<c>ToDto</c>, because those need
/// decryption, child rows or domain factories; so do the rows of the complaint list, read on every queue page
/// (<see cref="ComplaintSummaryRow"/>: a mapping context per row was measurable there).
/// </summary>
internal static class Mapping
{
    public static readonly TypeAdapterConfig Config = Build();

    private static TypeAdapterConfig Build()
    {
        var config = new TypeAdapterConfig { RequireDestinationMemberSource = true };
        WireEnum<ActorType>(config);
        WireEnum<ResponseType>(config);
        config.NewConfig<AuditRow, AuditEntryDto>()
            .Map(d => d.ChangedFields, s => StoredJson.Deserialize<string[]>(s.ChangedFields))
            .Ignore(d => d.Changes!); // opened from the sealed changed values by the caller
        config.NewConfig<WebhookAttemptRow, WebhookAttemptDto>();
        config.NewConfig<ResponseRow, ResponseDto>();
        config.Compile();
        return config;
    }

    private static void WireEnum<TEnum>(TypeAdapterConfig config)
        where TEnum : struct, Enum =>
        config.NewConfig<string, TEnum>().MapWith(s => WireNames.Parse<TEnum>(s));

    /// <summary>A flat row as its DTO.</summary>
    public static TDto To<TDto>(object row) => row.Adapt<TDto>(Config);
}
