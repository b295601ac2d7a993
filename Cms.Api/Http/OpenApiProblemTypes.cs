using System.Globalization;
using System.Text.Json.Nodes;
using Cms.Domain.Common;
using Microsoft.OpenApi;

namespace Cms.Api.Http;

/// <summary>
/// The problem codes (and so the problem <c>type</c>s, <see cref="Problems.TypeOf"/>) an operation can answer per status,
/// derived from its shape: the resources its route names, the ids its body refers to, whether it changes anything, takes
/// an Idempotency-Key or reads its body raw. The document lists them as an enum per operation and status (one shared
/// component per distinct list), so a client can switch on them. The fuzz run checks every problem it meets against the list.
/// </summary>
public static class OpenApiProblemTypes
{
    /// <summary>Conflicts (409) by the resource the code belongs to.</summary>
    private static readonly Dictionary<string, string[]> ConflictsByResource = new(StringComparer.Ordinal)
    {
        ["complaint"] =
        [
            "complaint.illegal_transition", "complaint.already_assigned", "complaint.already_in_queue", "complaint.assignee_cannot_handle",
            "complaint.classification_unchanged", "complaint.merge_conflict", "complaint.merge_other_consumer",
            "complaint.provisional_credit_recorded", "complaint.referral_outcome_recorded", "complaint.unchanged",
            "complaint.vulnerability_unchanged",
        ],
        ["consumer"] = ["consumer.already_erased", "consumer.duplicate_external_ref", "consumer.erased", "consumer.legal_hold"],
        ["queue"] = ["queue.code_taken", "queue.retired"],
        ["staff"] = ["staff.duplicate_subject", "staff.inactive", "staff.self_lockout", "staff.service_account_queues"],
        ["tenant"] = ["tenant.already_active", "tenant.already_suspended", "tenant.not_exported", "tenant.not_suspended", "tenant.offboarding", "tenant.status_changed"],
    };

    /// <summary>Conflicts of routes whose resource is no path parameter (reports), by a literal segment of the route.</summary>
    private static readonly Dictionary<string, string[]> ConflictsBySegment = new(StringComparer.Ordinal)
    {
        ["fca-complaints-return"] = ["fca_return.period_open", "fca_return.unchanged", "fca_return.unmapped_complaints"],
        ["return-mappings"] = ["fca_return.period_open", "fca_return.unchanged", "fca_return.unmapped_complaints"],
        ["dot-disability"] = ["dot_report.not_airline"],
    };

    /// <summary>Resources a use case on the key's resource also touches (an assignment checks the staff member and their queues).</summary>
    private static readonly Dictionary<string, string[]> Touches = new(StringComparer.Ordinal)
    {
        ["complaint"] = ["staff", "queue", "consumer"],
        ["staff"] = ["queue"],
    };

    /// <summary>Body members that name another resource by a name other than its own.</summary>
    private static readonly Dictionary<string, string> ReferenceAliases = new(StringComparer.Ordinal)
    {
        ["assignee"] = "staff",
        ["duplicate"] = "complaint",
    };

    /// <param name="References">Names of the query parameters and body members that name another resource by id (consumerId, assigneeId).</param>
    public sealed record Shape(string Method, string Route, IReadOnlyList<string> References, bool Idempotent, bool RawBody)
    {
        public static IReadOnlyList<string> ReferencesOf(Type? body, IEnumerable<string> queryParameters) =>
        [
            .. (body?.GetProperties() ?? []).Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) == typeof(Guid)).Select(p => p.Name),
            .. queryParameters,
        ];
    }

    public static IReadOnlyList<string> Codes(int status, Shape shape) => status switch
    {
        400 => shape.RawBody ? ["validation", "import.bad_format"] : ["validation"],
        401 => ["unauthenticated"],
        403 => ["forbidden", Error.TenantSuspendedCode],
        404 => [.. Resources(shape).Distinct().Select(r => $"{r}.not_found"), "not_found"],
        409 => [.. Resources(shape).SelectMany(r => Touches.GetValueOrDefault(r, []).Prepend(r)).Distinct()
                    .SelectMany(r => ConflictsByResource.GetValueOrDefault(r, []))
                    .Concat(shape.Route.Split('/').SelectMany(segment => ConflictsBySegment.GetValueOrDefault(segment, []))).Distinct(),
                "conflict", .. shape.Idempotent ? new[] { "idempotency.in_flight" } : []],
        412 => ["version.stale"],
        413 => ["body_too_large"],
        415 => shape.RawBody ? ["import.unsupported_media_type"] : ["unsupported_media_type"],
        410 => ["consumer.erased"],
        422 => ["idempotency.key_reused"],
        428 => ["if_match.required"],
        429 => ["rate_limited"],
        503 => [DatabaseRetryFilter.CircuitOpenCode, DatabaseRetryFilter.UnavailableCode, DatabaseRetryFilter.CommitOutcomeUnknownCode],
        _ => [Problems.DefaultCode(status)],
    };

    /// <summary>The resources an operation addresses: the route's first one and those its body refers to by id.</summary>
    private static IEnumerable<string> Resources(Shape shape)
    {
        var segments = shape.Route.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "v1").ToArray();
        // Every resource the route addresses by id (a complaint's letter: the complaint, then the letter).
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{') && segments[i + 1].StartsWith('{'))
            {
                yield return Singular(segments[i]);
            }
        }

        foreach (var reference in shape.References.Where(r => r.Length > 2 && r.EndsWith("Id", StringComparison.OrdinalIgnoreCase)))
        {
            var name = string.Concat(reference[..^2].Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
            yield return ReferenceAliases.GetValueOrDefault(name, name);
        }
    }

    private static string Singular(string segment) => segment switch
    {
        "staff" => "staff",
        _ when segment.EndsWith("ies", StringComparison.Ordinal) => (segment[..^3] + "y").Replace('-', '_'),
        _ => segment.TrimEnd('s').Replace('-', '_'),
    };

    /// <summary>Components made while the operations are described, added to the document by <see cref="AddComponents"/>
    /// (the generator must not see the document's components change under it).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<OpenApiDocument, Dictionary<string, (OpenApiSchema Schema, string Codes)>> Pending = [];

    /// <summary>The component (shared by every operation with the same list) that narrows ProblemDetails to these codes.</summary>
    public static OpenApiSchemaReference Component(int status, IReadOnlyList<string> codes, OpenApiDocument document)
    {
        var pending = Pending.GetOrCreateValue(document);
        var prefixes = codes.Where(c => c.Contains('.', StringComparison.Ordinal)).Select(c => Pascal(c[..c.IndexOf('.', StringComparison.Ordinal)])).Distinct();
        var baseName = $"Problem{status.ToString(CultureInfo.InvariantCulture)}{string.Concat(prefixes)}";
        var signature = string.Join(",", codes);
        lock (pending)
        {
            for (var n = 1; ; n++)
            {
                var name = n == 1 ? baseName : baseName + n.ToString(CultureInfo.InvariantCulture);
                if (!pending.TryGetValue(name, out var existing))
                {
                    pending[name] = (Schema(codes), signature);
                    return new OpenApiSchemaReference(name, document);
                }

                if (existing.Codes == signature)
                {
                    return new OpenApiSchemaReference(name, document);
                }
            }
        }
    }

    /// <summary>Document transformer: the problem components the operations refer to.</summary>
    public static void AddComponents(OpenApiDocument document)
    {
        if (!Pending.TryGetValue(document, out var pending))
        {
            return;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, (schema, _)) in pending)
        {
            document.Components.Schemas[name] = schema;
        }

        // The framework's own problem types (from ProducesProblem) were replaced by these in every response.
        document.Components.Schemas.Remove("ProblemDetails");
        document.Components.Schemas.Remove("HttpValidationProblemDetails");
    }

    /// <summary>RFC 9457 problem details as the service writes them, type and code narrowed to these codes (a whole object
    /// rather than allOf over a base: generators keep the narrowed members that way).</summary>
    private static OpenApiSchema Schema(IReadOnlyList<string> codes) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details; type is the URI of code; validation problems add errors (field → messages).",
        Required = new HashSet<string> { "type", "title", "status", "detail", "code", "traceId" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(Problems.TypeOf(c))!)] },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c)!)] },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id (32 hex digits) to quote." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };

    private static string Pascal(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
