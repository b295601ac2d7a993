using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cms.Domain.Common;

namespace Cms.Application.Common;

/// <summary>
/// The service's activity source (one span per use case) and meter. Attributes and tags carry ids, names and outcomes,
/// never personal data.
/// </summary>
public static class Telemetry
{
    public const string SourceName = "Cms.Application";

    public const string MeterName = "Cms";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(MeterName);

    /// <summary>Span attribute and metric tag names of the service (ids, names and outcomes only).</summary>
    public static class Tags
    {
        public const string UseCase = "cms.use_case";
        public const string TenantId = "cms.tenant_id";
        public const string PrincipalId = "cms.principal_id";
        public const string PrincipalType = "cms.principal_type";
        public const string ComplaintId = "cms.complaint_id";
        public const string Outcome = "cms.outcome";
        public const string ErrorCode = "cms.error_code";
        public const string Transition = "cms.transition";
    }

    /// <summary>Complaints filed, by tenant.</summary>
    public static readonly Counter<long> ComplaintsFiled =
        Meter.CreateCounter<long>("cms.complaints.filed", "{complaint}", "Complaints filed, by tenant.");

    /// <summary>Lifecycle steps applied to complaints, by tenant and transition (use case).</summary>
    public static readonly Counter<long> ComplaintTransitions =
        Meter.CreateCounter<long>("cms.complaints.transitions", "{transition}", "Complaint lifecycle steps applied, by tenant and transition.");

    /// <summary>Use cases run, by use case and outcome (success, validation_failure, conflict, not_found, forbidden, ...).</summary>
    public static readonly Counter<long> UseCases =
        Meter.CreateCounter<long>("cms.use_cases", "{request}", "Use cases run, by use case and outcome.");

    /// <summary>The outcome attribute's value for an expected failure kind.</summary>
    public static string OutcomeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => "validation_failure",
        ErrorKind.NotFound => "not_found",
        ErrorKind.Conflict => "conflict",
        ErrorKind.Forbidden => "forbidden",
        ErrorKind.Unauthorized => "unauthorized",
        ErrorKind.PreconditionFailed => "precondition_failed",
        ErrorKind.PreconditionRequired => "precondition_required",
        ErrorKind.Unprocessable => "unprocessable",
        _ => "failure",
    };

    public const string Success = "success";

    public const string Exception = "exception";
}

/// <summary>A message about one complaint: the use-case span carries its id.</summary>
public interface IComplaintScoped
{
    Guid ComplaintId { get; }
}
