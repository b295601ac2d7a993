using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Complaints;
using Mapster;

namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Mapster configuration for the flat rows of the read side (lists): stored lower_snake_case text to enums, stored JSON
/// to lists. Compiled once; nested read models (a whole complaint, a consumer) are mapped by hand in their row classes.
/// </summary>
internal static class Mapping
{
    public static readonly TypeAdapterConfig Config = Build();

    private static TypeAdapterConfig Build()
    {
        var config = new TypeAdapterConfig();
        config.NewConfig<string, ComplaintStatus>().MapWith(s => WireNames.Parse<ComplaintStatus>(s));
        config.NewConfig<string, Channel>().MapWith(s => WireNames.Parse<Channel>(s));
        config.NewConfig<string, Priority>().MapWith(s => WireNames.Parse<Priority>(s));
        config.NewConfig<string, NoteKind>().MapWith(s => WireNames.Parse<NoteKind>(s));
        config.NewConfig<string, ActorType>().MapWith(s => WireNames.Parse<ActorType>(s));
        config.NewConfig<AuditRow, AuditEntryDto>()
            .Map(d => d.ChangedFields, s => StoredJson.Deserialize<string[]>(s.ChangedFields));
        config.Compile();
        return config;
    }

    public static ComplaintSummaryDto ToSummary(ComplaintSummaryRow row, DateTimeOffset now) =>
        row.Adapt<ComplaintSummaryDto>(Config) with { Overdue = row.NextDueAt is { } due && due < now, QueueId = row.QueueId };

    public static TDto To<TDto>(object row) => row.Adapt<TDto>(Config);
}
