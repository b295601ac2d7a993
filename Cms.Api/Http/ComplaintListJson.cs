using System.Text.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;

namespace Cms.Api.Http;

/// <summary>
/// The complaint list's answer (the queue page, the keyword search) written by hand: the serializer's per-property
/// metadata path was the largest single item of the queue page's CPU in the service, and its generated fast path is never
/// taken with converters in the options (the wire enums', <see cref="WireEnumConverterFactory"/>). Property names, their
/// order, the enums' wire names, instants, nulls and escaping are those the API's options write, byte for byte: a test
/// compares the two over every member (<c>ComplaintListJsonTests</c>), so a member added to the DTO and not here fails it.
/// </summary>
public static class ComplaintListJson
{
    private static readonly JsonEncodedText Items = JsonEncodedText.Encode("items");
    private static readonly JsonEncodedText NextCursor = JsonEncodedText.Encode("nextCursor");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Reference = JsonEncodedText.Encode("reference");
    private static readonly JsonEncodedText ConsumerId = JsonEncodedText.Encode("consumerId");
    private static readonly JsonEncodedText Channel = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText Product = JsonEncodedText.Encode("product");
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Priority = JsonEncodedText.Encode("priority");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText AssigneeId = JsonEncodedText.Encode("assigneeId");
    private static readonly JsonEncodedText ReceivedAt = JsonEncodedText.Encode("receivedAt");
    private static readonly JsonEncodedText NextDueAt = JsonEncodedText.Encode("nextDueAt");
    private static readonly JsonEncodedText Overdue = JsonEncodedText.Encode("overdue");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText QueueId = JsonEncodedText.Encode("queueId");

    public static void Write(Utf8JsonWriter writer, Page<ComplaintSummaryDto> page)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(Items);
        foreach (var row in page.Items)
        {
            WriteRow(writer, row);
        }

        writer.WriteEndArray();
        writer.WriteString(NextCursor, page.NextCursor);
        writer.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter writer, ComplaintSummaryDto row)
    {
        writer.WriteStartObject();
        writer.WriteString(Id, row.Id);
        writer.WriteString(Reference, row.Reference);
        writer.WriteString(ConsumerId, row.ConsumerId);
        writer.WritePropertyName(Channel);
        WireEnumConverter<Channel>.WriteValue(writer, row.Channel);
        writer.WriteString(Product, row.Product);
        writer.WriteString(Category, row.Category);
        writer.WritePropertyName(Priority);
        WireEnumConverter<Priority>.WriteValue(writer, row.Priority);
        writer.WritePropertyName(Status);
        WireEnumConverter<ComplaintStatus>.WriteValue(writer, row.Status);
        WriteOptional(writer, AssigneeId, row.AssigneeId);
        writer.WriteString(ReceivedAt, row.ReceivedAt);
        if (row.NextDueAt is { } due)
        {
            writer.WriteString(NextDueAt, due);
        }
        else
        {
            writer.WriteNull(NextDueAt);
        }

        writer.WriteBoolean(Overdue, row.Overdue);
        writer.WriteNumber(Version, row.Version);
        WriteOptional(writer, QueueId, row.QueueId);
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, JsonEncodedText name, Guid? id)
    {
        if (id is { } value)
        {
            writer.WriteString(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
