using Cms.Api.Endpoints;
using Cms.Application.PlatformAudit.VerifyPlatformAudit;
using Cms.Application.Tenants;

namespace Cms.Api.Http;

/// <summary>The examples of tenant offboarding and the platform audit chain (issue 22).</summary>
public static partial class OpenApiExamples
{
    private static readonly Guid OffboardedTenantId = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a31");
    private static readonly DateTimeOffset OffboardingRequested = new(2027, 2, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<Type, object> OffboardingExamples = new()
    {
        [typeof(TenantOffboardingDto)] = new TenantOffboardingDto(OffboardedTenantId, OffboardingState.Deleting, OffboardingRequested,
            "platform-operator", ExportEntrySequence: 41, WithoutExportReason: null, KeysDestroyedAt: OffboardingRequested.AddSeconds(1),
            CurrentTable: "complaint_notes", RowsDeleted: 182_000, Batches: 182, CompletedAt: null),
        [typeof(PlatformAuditVerificationDto)] = new PlatformAuditVerificationDto(true, 42, null),
        [typeof(TenantEndpoints.TenantExportStream)] = new TenantEndpoints.TenantExportStream(string.Join('\n',
            """{"type":"export","format":"cms-tenant-export/1","tenantId":"0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a31","startedAt":"2027-02-01T09:00:00Z","decryptedPersonalData":false,"startedEntrySequence":40}""",
            """{"type":"row","table":"queues","row":{"tenant_id":"0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a31","id":"0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a32","code":"cards","name":"Cards"}}""",
            """{"type":"manifest","tenantId":"0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6a31","tables":[{"table":"queues","rows":1,"sha256":"9f2c…"}],"personalData":null,"completedAt":"2027-02-01T09:00:02Z"}""",
            "")),
    };
}
