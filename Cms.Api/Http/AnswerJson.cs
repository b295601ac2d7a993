using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;
using Microsoft.AspNetCore.Http.Metadata;

namespace Cms.Api.Http;

/// <summary>
/// The hottest answers written by source-generated code (the complaint list: the queue page and the keyword search). The
/// API's options carry <see cref="WireEnumConverterFactory"/>, and options with any converter in their list keep the
/// serializer off the generator's fast path; this context names the wire converter of each enum it writes instead, and its
/// own options are used as generated, so the fast path is taken (<see cref="GeneratedOk{TValue}.ExecuteAsync"/>). Same names (camelCase), same converters, same default
/// encoder as the API's options: the same bytes (Json contract tests).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters =
[
    typeof(WireEnumConverter<Channel>), typeof(WireEnumConverter<Priority>), typeof(WireEnumConverter<ComplaintStatus>),
])]
[JsonSerializable(typeof(Page<ComplaintSummaryDto>))]
internal sealed partial class AnswerJson : JsonSerializerContext;

/// <summary>
/// 200 with a body written through a source-generated type (<see cref="AnswerJson"/>); to the endpoint's metadata, the
/// OpenAPI document and <see cref="Responses.ETagFilter"/> the same as <see cref="Microsoft.AspNetCore.Http.HttpResults.Ok{TValue}"/>.
/// </summary>
public sealed class GeneratedOk<TValue> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>
{
    private readonly JsonTypeInfo<TValue> _typeInfo;

    internal GeneratedOk(TValue value, JsonTypeInfo<TValue> typeInfo)
    {
        Value = value;
        _typeInfo = typeInfo;
    }

    public TValue Value { get; }

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <summary>
    /// Written at once into the response's buffers, then flushed: the serializer's streaming path leaves the generated code
    /// for good once an answer outgrows its buffer (a queue page is about 19 kB), the synchronous one always takes it.
    /// </summary>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            JsonSerializer.Serialize(writer, Value, _typeInfo);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
}
