using Cms.Application.Retention;
using Cms.Application.Retention.SetRetentionSchedule;

namespace Cms.Api.Http;

/// <summary>The examples of the retention schedule and its preview (issue 19).</summary>
public static partial class OpenApiExamples
{
    private static readonly Dictionary<Type, object> RetentionExamples = new()
    {
        [typeof(RetentionScheduleDto)] = new RetentionScheduleDto(1095, new Dictionary<string, int> { ["uk_banking_fca_disp1"] = 1460 }, ["investment_isa"]),
        [typeof(SetRetentionScheduleCommand)] = new SetRetentionScheduleCommand(1095, new Dictionary<string, int> { ["uk_banking_fca_disp1"] = 1460 },
            ["investment_isa"]),
        [typeof(RetentionPreviewItemDto)] = new RetentionPreviewItemDto(Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a40"),
            new DateTimeOffset(2030, 3, 2, 9, 30, 0, TimeSpan.Zero), "FCA DISP 1.9.1R(2): three years from receipt", 2,
            new DateTimeOffset(2027, 4, 14, 16, 5, 0, TimeSpan.Zero)),
    };
}
