using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Cms.Api.Http;

/// <summary>Marks an endpoint that reads <c>If-Match</c>: required (428 without it) or optional; 412 when stale.</summary>
public sealed record IfMatchMetadata(bool Required);

/// <summary>
/// Completes the generated OpenAPI document into the contract callers read: the bearer scheme, tag descriptions, an
/// operation id for every operation, the problem responses each operation can answer (RFC 9457), and an example for
/// every request and success body (<see cref="OpenApiExamples"/>). The rules come from the endpoint's shape (method,
/// parameters, body, If-Match and Idempotency-Key metadata), so a new endpoint is described without extra work.
/// </summary>
public static class OpenApiContract
{
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Tenants"] = "Organisations using the service (platform operators only).",
        ["Staff"] = "A tenant's staff users and service accounts, and their roles.",
        ["Consumers"] = "Complainants; their personal data is encrypted at rest and never logged.",
        ["Complaints"] = "Complaints through their regulated lifecycle, with deadlines, notes and history.",
        ["Taxonomies"] = "Per-tenant versioned taxonomies of products, categories and root causes.",
        ["Letters"] = "Regulated correspondence: versioned letter templates, letters rendered and checked against the regulatory profile, four-eyes approval, the send log.",
        ["Reports"] = "Regulatory returns for a period (docs/regulatory-returns.md).",
        ["Audit"] = "The tenant's tamper-evident audit trail and its verification.",
        ["Retention"] = "The tenant's retention schedule (personal data erased a stated time after a complaint's closure, never before the regulatory floor) and what the retention job erases next.",
        ["Calendar"] = "The tenant's business-day calendar (public holidays by rule, closure days) and clock settings (internal SLA, at-risk window).",
        ["Events"] = "The tenant's change feed: one event per committed change, in commit order, ids and names only (docs/events.md).",
        ["Legal entities"] = "The authorised firms inside a tenant: one FCA complaints return each; every complaint belongs to one.",
        ["Queues"] = "A tenant's work queues: complaints are filed into or moved to one; an agent handles the unassigned ones of the queues they work.",
        ["Webhooks"] = "Endpoints that receive the change feed, signed (Cms-Signature), retried, ordered and replayable (docs/events.md).",
    };

    /// <summary>What a problem status means when an endpoint declares it itself (ProducesProblem) and the rules above do not.</summary>
    private static readonly Dictionary<int, string> DeclaredProblems = new()
    {
        [404] = "An id in the query or body names nothing in the caller's tenant.",
        [409] = "The request conflicts with the state of the resource (the problem's code says how).",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer(DescribeDocument);
        options.AddOperationTransformer(DescribeOperation);
    }

    public static RouteHandlerBuilder RequiresIfMatch(this RouteHandlerBuilder builder) => builder.WithMetadata(new IfMatchMetadata(true));

    public static RouteHandlerBuilder AcceptsIfMatch(this RouteHandlerBuilder builder) => builder.WithMetadata(new IfMatchMetadata(false));

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Complaint Management Service",
            Version = "v1",
            Description = "Multi-tenant regulated complaint handling. Errors are RFC 9457 problem details carrying a traceId; " +
                          "changes need If-Match with the ETag of the last read; creating POSTs accept Idempotency-Key.",
            License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://cms.example/licence") },
        };
        document.Servers = [new OpenApiServer { Url = "/", Description = "This service; every path is absolute." }];

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with sub and tenant_id (staff, service accounts) or the cms.platform scope (platform operators).",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        OpenApiProblemTypes.AddComponents(document);
        // The export's NDJSON body is described as a string with an example (AddExample); its marker type is no schema.
        document.Components.Schemas?.Remove(nameof(Endpoints.TenantEndpoints.TenantExportStream));
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
        }

        return Task.CompletedTask;
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var method = description.HttpMethod ?? "GET";
        var route = description.RelativePath ?? "";
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        operation.OperationId ??= OperationId(method, route);

        var hasBody = description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body) is { } body;
        if (hasBody && operation.RequestBody?.Content is { } requestContent)
        {
            AddExample(requestContent, description.ParameterDescriptions.First(p => p.Source == BindingSource.Body).Type, json);
        }

        // An endpoint that streams its body itself (the bulk import) names its media types and an example of each.
        var raw = metadata.OfType<RawBodyExamples>().FirstOrDefault();
        if (raw is not null && operation.RequestBody?.Content is { } rawContent)
        {
            foreach (var (mediaType, example) in raw.ByMediaType)
            {
                if (rawContent.TryGetValue(mediaType, out var media))
                {
                    media.Example ??= JsonValue.Create(example);
                }
            }
        }

        foreach (var response in description.SupportedResponseTypes.Where(r => r.StatusCode is >= 200 and < 300 && r.Type is not null))
        {
            if (operation.Responses?.TryGetValue(response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var documented) == true
                && documented.Content is { } content)
            {
                AddExample(content, response.Type!, json);
            }
        }

        var ifMatch = metadata.OfType<IfMatchMetadata>().FirstOrDefault();
        var idempotent = metadata.OfType<IdempotencyEndpoints.IdempotencyKeyMetadata>().Any();
        var anonymous = metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any();
        var problems = new SortedDictionary<int, string>();
        if (!anonymous)
        {
            problems[401] = "No valid bearer token.";
            problems[403] = "The caller's role may not run this use case.";
            problems[429] = "The tenant's rate limit is exhausted; retry after Retry-After seconds.";
        }

        if (description.ParameterDescriptions.Count > 0)
        {
            problems[400] = "A parameter or the body is invalid; errors names each field.";
        }

        if (route.Contains('{', StringComparison.Ordinal))
        {
            problems[404] = "No such resource in the caller's tenant.";
        }

        if (hasBody)
        {
            problems[413] = "The body exceeds the endpoint's limit.";
            problems[415] = "The body is not application/json.";
        }

        if (raw is not null)
        {
            problems[400] = "The file's structure is unusable (e.g. a CSV header without the required columns); nothing was loaded.";
            problems[413] = "The body exceeds the endpoint's limit.";
            problems[415] = $"The body is not one of: {string.Join(", ", raw.ByMediaType.Keys)}.";
        }

        if (metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Any(p => p.StatusCode == StatusCodes.Status410Gone))
        {
            problems[410] = "The consumer's personal data has been erased: nothing is left to answer (code consumer.erased).";
        }

        if (!HttpMethods.IsGet(method))
        {
            problems[409] = idempotent
                ? "The change conflicts with the resource's state, or a request with the same Idempotency-Key is still running."
                : "The change conflicts with the resource's current state.";
        }

        operation.Parameters ??= [];
        if (ifMatch is not null)
        {
            problems[412] = "The resource changed since the ETag in If-Match was read.";
            if (ifMatch.Required)
            {
                problems[428] = "If-Match is missing.";
            }

            AddHeader(operation, "If-Match", ifMatch.Required, "The ETag of the caller's last read, e.g. \"3\".", "\"3\"");
        }

        if (idempotent)
        {
            problems[422] = "The Idempotency-Key was used with a different request.";
            AddHeader(operation, "Idempotency-Key", false,
                "1–255 printable ASCII characters; a repeat with the same key and request replays the first answer.",
                "4f1c2a9e-filing-000123");
        }

        if (metadata.OfType<DatabaseRetryFilter.Applied>().Any())
        {
            problems[503] = "code database.circuit_open: the database is unreachable and the request was refused without trying (circuit " +
                            "breaker open); database.unavailable: it was tried and did not complete after retries. Both: retry after " +
                            "Retry-After seconds. database.commit_outcome_unknown (no Retry-After): the connection was lost during COMMIT " +
                            "of a request without Idempotency-Key (docs/reliability.md).";
        }

        var references = OpenApiProblemTypes.Shape.ReferencesOf(description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type,
            description.ParameterDescriptions.Where(p => p.Source == BindingSource.Query).Select(p => p.Name));
        var shape = new OpenApiProblemTypes.Shape(method, route, references, idempotent, raw is not null);
        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, text) in problems)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.ContainsKey(key))
            {
                operation.Responses[key] = Problem(text, status, shape, context.Document!);
            }
        }

        // Problem responses the endpoint declared itself (ProducesProblem) come without description text or example:
        // complete them like the generated ones.
        foreach (var (key, declared) in operation.Responses)
        {
            if (int.TryParse(key, System.Globalization.CultureInfo.InvariantCulture, out var status) && status >= 400
                && declared is OpenApiResponse response)
            {
                CompleteProblem(response, problems.GetValueOrDefault(status) ?? DeclaredProblems.GetValueOrDefault(status), status, shape,
                    context.Document!);
            }
        }

        OpenApiResponseHeaders.Describe(operation, description);
        return Task.CompletedTask;
    }

    private static void CompleteProblem(OpenApiResponse response, string? text, int status, OpenApiProblemTypes.Shape shape, OpenApiDocument document)
    {
        var complete = Problem(text ?? response.Description ?? Problems.TitleOf(status), status, shape, document);
        if (text is not null || string.IsNullOrWhiteSpace(response.Description) || response.Description == Problems.TitleOf(status))
        {
            response.Description = complete.Description;
        }

        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        foreach (var mediaType in response.Content.Keys.Where(m => m != "application/problem+json").ToList())
        {
            response.Content.Remove(mediaType); // every error is problem+json, whatever else the declaration listed
        }

        if (!response.Content.TryGetValue("application/problem+json", out var media))
        {
            response.Content["application/problem+json"] = complete.Content!["application/problem+json"];
            return;
        }

        media.Schema = complete.Content!["application/problem+json"].Schema;
        media.Example = complete.Content["application/problem+json"].Example;
    }

    private static void AddHeader(OpenApiOperation operation, string name, bool required, string description, string example)
    {
        if (operation.Parameters!.Any(p => p.In == ParameterLocation.Header && p.Name == name))
        {
            return;
        }

        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = required,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            Example = example,
        });
    }

    /// <summary>A problem response: its schema narrows type and code to the values this operation can answer with this status.</summary>
    private static OpenApiResponse Problem(string description, int status, OpenApiProblemTypes.Shape shape, OpenApiDocument document)
    {
        var codes = OpenApiProblemTypes.Codes(status, shape);
        return new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = OpenApiProblemTypes.Component(status, codes, document),
                    Example = new JsonObject
                    {
                        ["type"] = Problems.TypeOf(codes[0]),
                        ["title"] = Problems.TitleOf(status),
                        ["status"] = status,
                        ["detail"] = description,
                        ["code"] = codes[0],
                        ["traceId"] = "4bf92f3577b34da6a3ce929d0e0e4736",
                    },
                },
            },
        };
    }

    /// <summary>
    /// The example of a body in each of its media types: JSON as JSON; a text rendering (the report's CSV) as the text
    /// it is, with a string schema, since that body is not the JSON object the generator describes.
    /// </summary>
    private static void AddExample(IDictionary<string, OpenApiMediaType> content, Type type, JsonSerializerOptions json)
    {
        if (OpenApiExamples.For(type) is not { } example)
        {
            return;
        }

        foreach (var (mediaType, media) in content)
        {
            if (OpenApiExamples.Text(example, mediaType) is { } text)
            {
                media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = $"The body as {mediaType}." };
                media.Example ??= JsonValue.Create(text);
            }
            else
            {
                media.Example ??= JsonSerializer.SerializeToNode(example, type, json);
            }
        }
    }

    /// <summary>camelCase from the method and the route's literal segments: POST v1/complaints/{id}/acknowledge → postComplaintsAcknowledge.</summary>
    public static string OperationId(string method, string route)
    {
        var words = route.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => !s.StartsWith('{') && s != "v1")
            .SelectMany(s => s.Split('-'))
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        var suffix = route.TrimEnd('/').EndsWith('}') ? "ById" : "";
        return method.ToLowerInvariant() + string.Concat(words) + suffix;
    }
}

/// <summary>Endpoint metadata: the request body is read as a stream in these media types; one example body for each.</summary>
public sealed record RawBodyExamples(IReadOnlyDictionary<string, string> ByMediaType);
