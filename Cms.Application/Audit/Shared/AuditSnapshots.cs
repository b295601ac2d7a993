using System.Globalization;
using System.Text.Json;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;

namespace Cms.Application.Audit;

/// <summary>
/// The audited fields of an aggregate as text, keyed by the field names its changes carry, each marked personal or not:
/// taken before and after a change, <see cref="Abstractions.AuditValues.Between"/> gives the entry's old and new values. Fields the
/// snapshot leaves out (deadlines, responses: their own rows and history) are named in the entry without values.
/// </summary>
public static class AuditSnapshots
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyDictionary<string, (string? Value, bool Personal)> Of(Consumer consumer) =>
        new Dictionary<string, (string?, bool)>
        {
            ["fullName"] = (consumer.Contact.FullName, true),
            ["email"] = (consumer.Contact.Email, true),
            ["phone"] = (consumer.Contact.Phone, true),
            ["address"] = (consumer.Contact.Address is { } address ? JsonSerializer.Serialize(address, Json) : null, true),
            ["vulnerability"] = (JsonSerializer.Serialize(new
            {
                drivers = consumer.Vulnerability.Drivers.Select(d => d.ToWire()).Order(StringComparer.Ordinal),
                consumer.Vulnerability.ConsentRecorded,
            }, Json), true),
            ["legalHold"] = (consumer.LegalHold ? "true" : "false", false),
        };

    public static IReadOnlyDictionary<string, (string? Value, bool Personal)> Of(Complaint complaint) =>
        new Dictionary<string, (string?, bool)>
        {
            ["status"] = (complaint.Status.ToWire(), false),
            ["assigneeId"] = (Id(complaint.AssigneeId), false),
            ["queueId"] = (Id(complaint.QueueId), false),
            ["product"] = (complaint.Product, false),
            ["category"] = (complaint.Category, false),
            ["receivedAt"] = (Instant(complaint.ReceivedAt), false),
            ["acknowledgedAt"] = (Instant(complaint.AcknowledgedAt), false),
            ["resolvedAt"] = (Instant(complaint.ResolvedAt), false),
            ["summaryResolutionAt"] = (Instant(complaint.SummaryResolutionAt), false),
            ["finalResponseAt"] = (Instant(complaint.FinalResponseAt), false),
            ["closedAt"] = (Instant(complaint.ClosedAt), false),
            ["reopenedAt"] = (Instant(complaint.ReopenedAt), false),
            ["closureBand"] = (complaint.ClosureBand?.ToWire(), false),
            ["mergedIntoId"] = (Id(complaint.MergedIntoId), false),
            ["provisionalCreditAt"] = (Instant(complaint.ProvisionalCreditAt), false),
            ["paymentServices"] = (complaint.Flags.PaymentServices ? "true" : "false", false),
            ["disability"] = (complaint.Flags.Disability ? "true" : "false", false),
            ["outcome"] = (complaint.Resolution?.Outcome.ToWire(), false),
            ["rootCause"] = (complaint.Resolution?.RootCause, true), // free text when the tenant keeps no root-cause taxonomy
            ["redress"] = (complaint.Resolution is { } resolution ? JsonSerializer.Serialize(resolution.Redress, Json) : null, true),
            ["referral"] = (complaint.Referral is { } referral
                ? JsonSerializer.Serialize(new { referral.Body, referral.ExternalReference, referral.ReferredAt }, Json) : null, true),
            ["referralOutcome"] = (complaint.Referral?.Outcome?.ToWire(), false),
            ["vulnerability"] = (JsonSerializer.Serialize(new
            {
                complaint.Vulnerability.Involved,
                drivers = complaint.Vulnerability.Drivers.Select(d => d.ToWire()).Order(StringComparer.Ordinal),
                complaint.Vulnerability.ConsentGivenAt,
            }, Json), true),
        };

    private static string? Id(Guid? id) => id?.ToString("D");

    private static string? Instant(DateTimeOffset? instant) =>
        instant?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
