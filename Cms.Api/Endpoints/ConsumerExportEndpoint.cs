using System.Text.Json;
using Cms.Api.Http;
using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Consumers.ExportConsumer;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cms.Api.Endpoints;

/// <summary>
/// <c>GET /v1/consumers/{id}/export</c> (UK GDPR arts. 15 and 20; issue 19 item 4): the use case records the export and
/// answers lazy sequences; this endpoint writes them as one JSON document with a <see cref="Utf8JsonWriter"/> straight to
/// the response, flushing after each complaint, so memory holds one page of rows at a time, never the document.
/// Run once (not retried as a whole by <see cref="DatabaseRetryFilter"/>): once bytes are sent a retry would repeat them.
/// </summary>
public static class ConsumerExportEndpoint
{
    /// <summary>The shape of the document, for the OpenAPI description (the endpoint writes it piece by piece).</summary>
    public sealed record ConsumerExportDocument(DateTimeOffset ExportedAt, ConsumerDto Consumer,
        IReadOnlyList<ExportedComplaintDocument> Complaints, IReadOnlyList<AuditEntryDto> Audit);

    /// <summary>One complaint of the export: the complaint as a GET shows it, its notes and its audit history.</summary>
    public sealed record ExportedComplaintDocument(ComplaintDto Complaint, IReadOnlyList<NoteDto> Notes, IReadOnlyList<AuditEntryDto> History);

    public static void MapConsumerExport(this RouteGroupBuilder group) =>
        group.MapGet("/{id}/export", Export)
            .WithMetadata(new DatabaseRetryFilter.RetriedInside())
            .Produces<ConsumerExportDocument>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("Everything held about the consumer, decrypted, as one JSON document (subject access and portability; " +
                         "tenant_admin); recorded in the audit trail; 410 once the consumer is erased.");

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Export(Guid id, HttpContext http, ISender sender,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        var result = await sender.Send(new ExportConsumerCommand(id), ct);
        if (!result.IsSuccess)
        {
            return Problems.From(result.Error!);
        }

        var export = result.Value;
        var options = json.Value.SerializerOptions;
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"consumer-{id:D}.json\"";
        // On the response's PipeWriter: the serializer's own flushes only hand bytes to the pipe (no synchronous I/O);
        // the pipe is flushed to the client after each complaint and every 16 KiB of a long list.
        var pipe = http.Response.BodyWriter;
        await using var writer = new Utf8JsonWriter(pipe);
        writer.WriteStartObject();
        writer.WritePropertyName("exportedAt");
        JsonSerializer.Serialize(writer, export.ExportedAt, options);
        writer.WritePropertyName("consumer");
        JsonSerializer.Serialize(writer, export.Consumer, options);
        writer.WriteStartArray("complaints");
        await foreach (var complaint in export.Complaints.WithCancellation(ct))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("complaint");
            JsonSerializer.Serialize(writer, complaint.Complaint, options);
            await WriteArrayAsync(writer, pipe, "notes", complaint.Notes, options, ct);
            await WriteArrayAsync(writer, pipe, "history", complaint.History, options, ct);
            writer.WriteEndObject();
            await FlushAsync(writer, pipe, ct);
        }

        writer.WriteEndArray();
        await WriteArrayAsync(writer, pipe, "audit", export.Audit, options, ct);
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
        return TypedResults.Empty;
    }

    private static async Task FlushAsync(Utf8JsonWriter writer, System.IO.Pipelines.PipeWriter pipe, CancellationToken ct)
    {
        writer.Flush();
        await pipe.FlushAsync(ct);
    }

    private static async Task WriteArrayAsync<T>(Utf8JsonWriter writer, System.IO.Pipelines.PipeWriter pipe, string name, IAsyncEnumerable<T> items,
        JsonSerializerOptions options, CancellationToken ct)
    {
        writer.WriteStartArray(name);
        var flushedAt = writer.BytesCommitted;
        await foreach (var item in items.WithCancellation(ct))
        {
            JsonSerializer.Serialize(writer, item, options);
            if (writer.BytesCommitted - flushedAt > 16 * 1024)
            {
                flushedAt = writer.BytesCommitted;
                await pipe.FlushAsync(ct);
            }
        }

        writer.WriteEndArray();
    }
}
