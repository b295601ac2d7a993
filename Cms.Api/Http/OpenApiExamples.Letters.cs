using Cms.Api.Endpoints;
using Cms.Application.Letters;
using Cms.Application.Letters.DraftLetter;
using Cms.Domain.Complaints;
using Cms.Domain.Letters;

namespace Cms.Api.Http;

/// <summary>The examples of letter templates and letters (issue 20).</summary>
public static partial class OpenApiExamples
{
    private static readonly Guid LetterTemplateId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a31");
    private static readonly Guid LetterId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a32");
    private static readonly Guid LetterComplaintId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a33");
    private static readonly Guid LetterAuthorId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a34");

    // Fields of this file only: the initialisers of a partial class's other files may run after these.
    private static readonly DateTimeOffset WrittenAt = new(2026, 11, 25, 10, 15, 30, TimeSpan.Zero);

    private const string FinalResponseText =
        "Dear {{ consumer.full_name }},\nWe have {{ complaint.outcome }} your complaint {{ complaint.reference }}. {{ letter.reasons }}\n" +
        "{{ regulatory.referral_rights }} {{ letter.time_limit_waiver }} {{ regulatory.scheme_contact }}";

    private static LetterTemplateDto LetterTemplate() => new(LetterTemplateId, LetterType.FinalResponse, 2, "Final response",
        "Your complaint {{ complaint.reference }}", FinalResponseText, null, RequiresApproval: true, ["fos_leaflet"],
        ["complaint.outcome", "complaint.reference", "consumer.full_name", "letter.reasons", "letter.time_limit_waiver",
         "regulatory.referral_rights", "regulatory.scheme_contact"], LetterAuthorId, WrittenAt);

    private static LetterDto Letter() => new(LetterId, LetterComplaintId, LetterType.FinalResponse, LetterStatus.Approved, LetterTemplateId, 2,
        "uk_banking_fca_disp1.letters", 1, "Your complaint CMP-2026-000042",
        "Dear Jane Consumer,\nWe have not upheld your complaint CMP-2026-000042. …", null,
        "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", RequiresApproval: true, Outcome.NotUpheld, LetterAuthorId,
        WrittenAt, Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a35"), WrittenAt.AddHours(2), null, null, Version: 2);

    private static readonly Dictionary<Type, object> LetterExamples = new()
    {
        [typeof(LetterEndpoints.PublishTemplateBody)] = new LetterEndpoints.PublishTemplateBody(LetterType.FinalResponse, "Final response",
            "Your complaint {{ complaint.reference }}", FinalResponseText, null, true, ["fos_leaflet"]),
        [typeof(LetterTemplateDto)] = LetterTemplate(),
        [typeof(IReadOnlyList<LetterTemplateDto>)] = new List<LetterTemplateDto> { LetterTemplate() },
        [typeof(LetterRequirementsDto)] = new LetterRequirementsDto("uk_banking_fca_disp1", LetterType.HoldingResponse,
            "uk_banking_fca_disp1.letters", 1,
            [
                new RequiredElementDto("fca.holding.reasons", "DISP 1.6.2(2)(a): why the firm cannot yet give a final response.", "letter.reasons"),
                new RequiredElementDto("fca.holding.expected_by", "DISP 1.6.2(2)(b): when the firm expects to give one.", "letter.expected_by"),
                new RequiredElementDto("fca.holding.refer_now", "DISP 1.6.2(2)(c): the right to refer the complaint to the Ombudsman now.",
                    "regulatory.refer_now"),
            ]),
        [typeof(LetterEndpoints.DraftBody)] = new LetterEndpoints.DraftBody(LetterType.FinalResponse, LetterTemplateId,
            "The fee was charged in line with your account terms.", null, false, new LetterResolutionDto(Outcome.NotUpheld, null, null)),
        [typeof(LetterDto)] = Letter(),
        [typeof(IReadOnlyList<LetterDto>)] = new List<LetterDto> { Letter() },
        [typeof(LetterEndpoints.SentBody)] = new LetterEndpoints.SentBody(LetterChannel.Post, WrittenAt.AddHours(3)),
    };
}
