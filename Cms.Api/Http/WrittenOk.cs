using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace Cms.Api.Http;

/// <summary>
/// 200 with a body written by a given writer (<see cref="ComplaintListJson"/>); to the endpoint's metadata, the OpenAPI
/// document and <see cref="Responses.ETagFilter"/> the same as <see cref="Microsoft.AspNetCore.Http.HttpResults.Ok{TValue}"/>.
/// </summary>
public sealed class WrittenOk<TValue> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>
{
    private readonly Action<Utf8JsonWriter, TValue> _write;

    internal WrittenOk(TValue value, Action<Utf8JsonWriter, TValue> write)
    {
        Value = value;
        _write = write;
    }

    public TValue Value { get; }

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <summary>
    /// Written at once into the response's buffers, then flushed once: the serializer's streaming path checks the pipe and
    /// flushes as an answer outgrows its buffer (a queue page is about 19 kB).
    /// </summary>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            _write(writer, Value);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
}
