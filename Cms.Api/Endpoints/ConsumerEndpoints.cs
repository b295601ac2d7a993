using System.ComponentModel.DataAnnotations;
using Cms.Api.Http;
using Cms.Api.Import;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Application.Consumers.EraseConsumer;
using Cms.Application.Consumers.FindConsumers;
using Cms.Application.Consumers.GetConsumer;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Consumers.SetLegalHold;
using Cms.Application.Consumers.UpdateConsumer;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cms.Api.Endpoints;

public static class ConsumerEndpoints
{
    public sealed record LegalHoldBody([Required] bool? OnHold);

    public sealed record UpdateConsumerBody(string? FullName, string? Email, string? Phone, AddressDto? Address, VulnerabilityDto? Vulnerability);

    public static void MapConsumerEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/consumers").WithTags("Consumers");
        group.MapPost("/", Register).WithIdempotency().WithSummary("Register a consumer (agent+, integration).");
        // Not retried as a whole (its body is a stream read once): each batch's transaction is retried by the importer.
        group.MapPost("/imports", Import)
            .WithMetadata(new DatabaseRetryFilter.RetriedInside())
            .WithBodyLimit(DefaultMaxImportBytes)
            .Accepts<string>("application/x-ndjson", "text/csv")
            .WithMetadata(new RawBodyExamples(new Dictionary<string, string>
            {
                ["application/x-ndjson"] =
                    """{"externalRef":"CUST-000123","fullName":"Jane Example","email":"jane@example.com","dateOfBirth":"1980-02-29"}""" + "\n" +
                    """{"externalRef":"CUST-000124","fullName":"John Example","phone":"+44 7700 900124"}""" + "\n",
                ["text/csv"] = "externalRef,fullName,email,city,postcode,country\nCUST-000123,Jane Example,jane@example.com,London,SW1A 1AA,GB\n",
            }))
            .WithSummary("Bulk import of consumers (tenant onboarding; tenant_admin): a stream of JSON lines (application/x-ndjson, " +
                         "one POST /v1/consumers body per line) or CSV with a header (text/csv). Returns the import's report: " +
                         "counts and, per refused line, its number, code, field and rule.");
        group.MapGet("/{id}", Get).WithSummary("Read a consumer, with ETag (agent+, integration).");
        group.MapGet("/", Find).WithSummary("Exact-match lookup by externalRef or email (agent+, integration).");
        group.MapPatch("/{id}", Update).WithSummary("Update contact details; If-Match required (agent+).").RequiresIfMatch();
        group.MapPost("/{id}/erasure", Erase).WithSummary("Erase the consumer's personal data; 409 under legal hold or when already erased (tenant_admin).");
        group.MapPut("/{id}/legal-hold", SetLegalHold).WithSummary("Set or lift the legal hold: { onHold } (tenant_admin).");
        group.MapConsumerExport();
    }

    private static async Task<Results<Created<ConsumerDto>, ProblemHttpResult>> Register(RegisterConsumerCommand body,
        ISender sender, CancellationToken ct) =>
        Responses.Created(await sender.Send(body, ct), c => $"/v1/consumers/{c.Id}");

    /// <summary>The largest import body accepted unless <c>Cms:Limits:Endpoints:postConsumersImports</c> says otherwise.</summary>
    public const long DefaultMaxImportBytes = 64L * 1024 * 1024 * 1024;

    private static async Task<Results<Ok<ConsumerImportReport>, ProblemHttpResult>> Import(HttpContext http, ConsumerImporter importer,
        IOptions<JsonOptions> json, IConfiguration configuration, CancellationToken ct)
    {
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        ConsumerImportFormat? format = mediaType switch
        {
            "application/x-ndjson" or "application/jsonl" or "application/json-lines" => ConsumerImportFormat.JsonLines,
            "text/csv" => ConsumerImportFormat.Csv,
            _ => null,
        };
        if (format is null)
        {
            return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "import.unsupported_media_type",
                "Send the consumers as application/x-ndjson (one JSON object per line) or text/csv (with a header row).");
        }

        try
        {
            return Responses.Ok(await importer.RunAsync(http.Request.Body, format.Value, json.Value.SerializerOptions,
                configuration.GetSection("Cms:Import").Get<ConsumerImportOptions>() ?? new ConsumerImportOptions(), null, null, ct));
        }
        catch (ConsumerImportFormatException ex)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "import.bad_format", ex.Message);
        }
    }

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Get(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new GetConsumerQuery(id), ct));

    private static async Task<Results<Ok<Page<ConsumerDto>>, ProblemHttpResult>> Find(string? externalRef, string? email, string? phone,
        int? limit, string? cursor, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new FindConsumersQuery(externalRef, email, limit, cursor, phone), ct));

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Erase(Guid id, ISender sender, CancellationToken ct) =>
        Responses.Ok(await sender.Send(new EraseConsumerCommand(id), ct));

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> SetLegalHold(Guid id, LegalHoldBody body, ISender sender,
        CancellationToken ct) =>
        Responses.Ok(await sender.Send(new SetLegalHoldCommand(id, body.OnHold), ct));

    private static async Task<Results<Ok<ConsumerDto>, ProblemHttpResult>> Update(Guid id, UpdateConsumerBody body, HttpContext http,
        ISender sender, CancellationToken ct)
    {
        var ifMatch = Responses.RequiredIfMatch(http.Request);
        if (!ifMatch.IsSuccess)
        {
            return Problems.From(ifMatch.Error);
        }

        var command = new UpdateConsumerCommand(id, ifMatch.Value, body.FullName, body.Email, body.Phone, body.Address, body.Vulnerability);
        return Responses.Ok(await sender.Send(command, ct));
    }
}
