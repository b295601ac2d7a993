using System.Collections.Frozen;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;

namespace Cms.Application.Common;

/// <summary>Every use case the service offers. The permission matrix below says who may run each.</summary>
public enum UseCase
{
    CreateTenant,
    GetTenant,
    ListTenants,
    SuspendTenant,
    ReactivateTenant,
    ExportTenant,
    OffboardTenant,
    GetTenantOffboarding,
    VerifyPlatformAudit,
    AddStaff,
    ListStaff,
    GetStaff,
    ReplaceStaffRoles,
    DeactivateStaff,
    RegisterConsumer,
    ImportConsumers,
    GetConsumer,
    FindConsumers,
    UpdateConsumer,
    EraseConsumer,
    ExportConsumer,
    SetLegalHold,
    FileComplaint,
    GetComplaint,
    ListComplaints,
    AcknowledgeComplaint,
    StartInvestigation,
    AwaitConsumer,
    AssignComplaint,
    ResolveComplaint,
    CloseComplaint,
    ReopenComplaint,
    ReferComplaint,
    RecordReferralOutcome,
    AddNote,
    GetComplaintHistory,
    ListAudit,
    VerifyAuditChain,
    PublishTaxonomy,
    GetTaxonomy,
    RecordResponse,
    ReclassifyComplaint,
    RecordVulnerability,
    MergeComplaints,
    GetComplaintsReport,
    CorrectReceivedAt,
    SetPaymentServices,
    SetDisability,
    RecordProvisionalCredit,
    ListDueComplaints,
    GetCalendar,
    SetClosureDay,
    RemoveClosureDay,
    GetClockSettings,
    UpdateClockSettings,
    ListEvents,
    CreateWebhook,
    GetWebhook,
    ListWebhooks,
    UpdateWebhook,
    DeleteWebhook,
    ReplayWebhook,
    ListWebhookAttempts,
    CreateQueue,
    ListQueues,
    GetQueue,
    RetireQueue,
    ReplaceStaffQueues,
    MoveComplaintQueue,
    CreateLegalEntity,
    ListLegalEntities,
    UpdateLegalEntity,
    GetFcaReturn,
    TakeFcaReturnSnapshot,
    ListFcaReturnSnapshots,
    ReplaceReturnMapping,
    GetReturnMapping,
    ListUnmappedComplaints,
    GetDotDisabilityReport,
    PublishLetterTemplate,
    ListLetterTemplates,
    GetLetterRequirements,
    DraftLetter,
    ListLetters,
    ApproveLetter,
    RecordLetterSent,
    GetRetentionSchedule,
    SetRetentionSchedule,
    PreviewRetention,
}

/// <summary>A message that runs one use case; the authorization behaviour checks it against the matrix.</summary>
public interface IUseCaseMessage
{
    UseCase UseCase { get; }
}

/// <summary>
/// The role × use case matrix, in one place (domain.md "Staff and roles", api.md "who"). Platform use cases are
/// for platform operators only; every other use case is for active staff of the caller's tenant holding one of the roles.
/// </summary>
public static class Permissions
{
    private static readonly Role[] AgentPlus = [Role.Agent, Role.Supervisor, Role.TenantAdmin];
    private static readonly Role[] AgentPlusAndIntegration = [.. AgentPlus, Role.Integration];
    private static readonly Role[] SupervisorPlus = [Role.Supervisor, Role.TenantAdmin];

    private static readonly FrozenSet<UseCase> PlatformUseCases = new[]
    {
        UseCase.CreateTenant, UseCase.GetTenant, UseCase.ListTenants, UseCase.SuspendTenant, UseCase.ReactivateTenant,
        UseCase.ExportTenant, UseCase.OffboardTenant, UseCase.GetTenantOffboarding, UseCase.VerifyPlatformAudit,
    }.ToFrozenSet();

    private static readonly FrozenDictionary<UseCase, Role[]> Matrix = new Dictionary<UseCase, Role[]>
    {
        [UseCase.AddStaff] = [Role.TenantAdmin],
        [UseCase.ListStaff] = [Role.TenantAdmin, Role.Supervisor],
        [UseCase.GetStaff] = [Role.TenantAdmin, Role.Supervisor],
        [UseCase.ReplaceStaffRoles] = [Role.TenantAdmin],
        [UseCase.DeactivateStaff] = [Role.TenantAdmin],
        [UseCase.RegisterConsumer] = AgentPlusAndIntegration,
        [UseCase.ImportConsumers] = [Role.TenantAdmin],
        [UseCase.GetConsumer] = AgentPlusAndIntegration,
        [UseCase.FindConsumers] = AgentPlusAndIntegration,
        [UseCase.UpdateConsumer] = AgentPlus,
        [UseCase.EraseConsumer] = [Role.TenantAdmin],
        [UseCase.ExportConsumer] = [Role.TenantAdmin],
        [UseCase.SetLegalHold] = [Role.TenantAdmin],
        [UseCase.FileComplaint] = AgentPlusAndIntegration,
        [UseCase.GetComplaint] = [.. AgentPlus, Role.Auditor, Role.Integration],
        [UseCase.ListComplaints] = [.. AgentPlus, Role.Auditor],
        [UseCase.AcknowledgeComplaint] = AgentPlus,
        [UseCase.StartInvestigation] = AgentPlus,
        [UseCase.AwaitConsumer] = AgentPlus,
        [UseCase.AssignComplaint] = AgentPlus,
        [UseCase.ResolveComplaint] = AgentPlus,
        [UseCase.CloseComplaint] = AgentPlus,
        [UseCase.ReopenComplaint] = SupervisorPlus,
        [UseCase.ReferComplaint] = AgentPlus,
        [UseCase.RecordReferralOutcome] = AgentPlus,
        [UseCase.AddNote] = AgentPlus,
        [UseCase.GetComplaintHistory] = [.. AgentPlus, Role.Auditor],
        [UseCase.ListAudit] = [Role.Auditor, Role.TenantAdmin],
        [UseCase.VerifyAuditChain] = [Role.Auditor],
        [UseCase.PublishTaxonomy] = [Role.TenantAdmin],
        [UseCase.GetTaxonomy] = [.. AgentPlus, Role.Auditor, Role.Integration],
        [UseCase.RecordResponse] = AgentPlus,
        [UseCase.ReclassifyComplaint] = AgentPlus,
        [UseCase.RecordVulnerability] = AgentPlus,
        [UseCase.MergeComplaints] = AgentPlus,
        [UseCase.GetComplaintsReport] = [.. SupervisorPlus, Role.Auditor],
        [UseCase.CorrectReceivedAt] = AgentPlus,
        [UseCase.SetPaymentServices] = AgentPlus,
        [UseCase.SetDisability] = AgentPlus,
        [UseCase.RecordProvisionalCredit] = AgentPlus,
        [UseCase.ListDueComplaints] = [.. AgentPlus, Role.Auditor],
        [UseCase.GetCalendar] = [.. AgentPlus, Role.Auditor],
        [UseCase.SetClosureDay] = [Role.TenantAdmin],
        [UseCase.RemoveClosureDay] = [Role.TenantAdmin],
        [UseCase.GetClockSettings] = [.. AgentPlus, Role.Auditor],
        [UseCase.UpdateClockSettings] = [Role.TenantAdmin],
        [UseCase.ListEvents] = [Role.Integration],
        [UseCase.CreateWebhook] = [Role.TenantAdmin],
        [UseCase.GetWebhook] = [Role.TenantAdmin],
        [UseCase.ListWebhooks] = [Role.TenantAdmin],
        [UseCase.UpdateWebhook] = [Role.TenantAdmin],
        [UseCase.DeleteWebhook] = [Role.TenantAdmin],
        [UseCase.ReplayWebhook] = [Role.TenantAdmin],
        [UseCase.ListWebhookAttempts] = [Role.TenantAdmin],
        [UseCase.CreateQueue] = [Role.TenantAdmin],
        [UseCase.ListQueues] = [.. AgentPlus, Role.Auditor],
        [UseCase.GetQueue] = [.. AgentPlus, Role.Auditor],
        [UseCase.RetireQueue] = [Role.TenantAdmin],
        [UseCase.ReplaceStaffQueues] = SupervisorPlus,
        [UseCase.MoveComplaintQueue] = SupervisorPlus,
        [UseCase.CreateLegalEntity] = [Role.TenantAdmin],
        [UseCase.ListLegalEntities] = [.. AgentPlus, Role.Auditor],
        [UseCase.UpdateLegalEntity] = [Role.TenantAdmin],
        [UseCase.GetFcaReturn] = [.. SupervisorPlus, Role.Auditor],
        [UseCase.TakeFcaReturnSnapshot] = SupervisorPlus,
        [UseCase.ListFcaReturnSnapshots] = [.. SupervisorPlus, Role.Auditor],
        [UseCase.ReplaceReturnMapping] = [Role.TenantAdmin],
        [UseCase.GetReturnMapping] = [.. AgentPlus, Role.Auditor],
        [UseCase.ListUnmappedComplaints] = [.. SupervisorPlus, Role.Auditor],
        [UseCase.GetDotDisabilityReport] = [.. SupervisorPlus, Role.Auditor],
        [UseCase.PublishLetterTemplate] = [Role.TenantAdmin, Role.Supervisor],
        [UseCase.ListLetterTemplates] = AgentPlus,
        [UseCase.GetLetterRequirements] = AgentPlus,
        [UseCase.DraftLetter] = AgentPlus,
        [UseCase.ListLetters] = [.. AgentPlus, Role.Auditor],
        // Four-eyes approval is the supervisor's (api.md v1.1); the author is refused by the letter itself.
        [UseCase.ApproveLetter] = [Role.Supervisor],
        [UseCase.RecordLetterSent] = AgentPlusAndIntegration,
        [UseCase.GetRetentionSchedule] = [Role.TenantAdmin, Role.Auditor],
        [UseCase.SetRetentionSchedule] = [Role.TenantAdmin],
        [UseCase.PreviewRetention] = [Role.TenantAdmin],
    }.ToFrozenDictionary();

    public static bool IsPlatformUseCase(UseCase useCase) => PlatformUseCases.Contains(useCase);

    /// <summary>The roles allowed to run a tenant use case (empty for platform use cases).</summary>
    public static IReadOnlyList<Role> RolesFor(UseCase useCase) => Matrix.TryGetValue(useCase, out var roles) ? roles : [];

    /// <summary>Supervisors and tenant admins act on any complaint; an agent only on those <see cref="MayHandle"/> allows.</summary>
    public static bool ActsOnAnyComplaint(StaffMember staff) => staff.HasAnyRole(SupervisorPlus);

    /// <summary>
    /// The agent rule (domain.md "agent: handle complaints assigned to them or unassigned in their queue"), the one place it
    /// is written: supervisors and tenant admins handle any complaint; anyone else handles a complaint assigned to them, or
    /// an unassigned one in a queue they work. An unassigned complaint in no queue is for supervisors and tenant admins
    /// only (they route it: move it to a queue or assign it), so nothing falls to whichever agent happens to see it first.
    /// </summary>
    public static bool MayHandle(StaffMember staff, Guid? assigneeId, Guid? queueId) =>
        ActsOnAnyComplaint(staff)
        || (assigneeId is { } assignee && assignee == staff.Id)
        || (assigneeId is null && queueId is { } queue && staff.QueueIds.Contains(queue));

    /// <summary>
    /// <see cref="MayHandle"/> for a complaint, as the 403 every complaint command answers: null when allowed.
    /// <paramref name="doing"/> completes "An agent ... complaints assigned to them ...", e.g. "acts only on".
    /// </summary>
    public static Error? CheckHandles(StaffMember staff, Complaint complaint, string doing) =>
        MayHandle(staff, complaint.AssigneeId, complaint.QueueId)
            ? null
            : Error.Forbidden($"An agent {doing} complaints assigned to them or unassigned in one of their queues.");
}
