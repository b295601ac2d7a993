using System.Globalization;
using Cms.Application.Common;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.OpenApi;

namespace Cms.Api.Http;

/// <summary>
/// The response headers callers read, stated from what sets them: <c>ETag</c> on every 2xx whose body is an
/// <see cref="IVersionedResource"/> (<see cref="Responses.ETagFilter"/>), <c>Location</c> on every 201 (the created
/// resource, readable with GET), <c>Retry-After</c> on 429 (always) and 503 (except when the commit's outcome is unknown).
/// </summary>
public static class OpenApiResponseHeaders
{
    public static void Describe(OpenApiOperation operation, ApiDescription description)
    {
        foreach (var (key, value) in operation.Responses ?? [])
        {
            if (value is not OpenApiResponse response || !int.TryParse(key, CultureInfo.InvariantCulture, out var status))
            {
                continue;
            }

            var type = description.SupportedResponseTypes.FirstOrDefault(r => r.StatusCode == status)?.Type;
            if (status is >= 200 and < 300 && type is not null && typeof(IVersionedResource).IsAssignableFrom(type))
            {
                Add(response, "ETag", required: true, "The resource's version as a strong ETag, e.g. \"3\": send it back in If-Match.",
                    new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[1-9][0-9]*\"$" });
            }

            if (status == StatusCodes.Status201Created)
            {
                Add(response, "Location", required: true, "The path of the created resource (GET it there).",
                    new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" });
            }

            if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            {
                Add(response, "Retry-After", required: status == StatusCodes.Status429TooManyRequests,
                    "Seconds to wait before retrying" + (status == 503 ? " (absent for database.commit_outcome_unknown)." : "."),
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" });
            }
        }
    }

    private static void Add(OpenApiResponse response, string name, bool required, string text, OpenApiSchema schema)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = text, Required = required, Schema = schema };
    }
}
