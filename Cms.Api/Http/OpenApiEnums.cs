using System.Text.Json.Nodes;
using Cms.Domain.Common;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cms.Api.Http;

/// <summary>States the domain's enums in the OpenAPI document as the strings that travel (see <see cref="WireEnumConverterFactory"/>).</summary>
public static class OpenApiEnums
{
    public static Task Describe(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type.IsEnum && type.Namespace?.StartsWith("Cms.", StringComparison.Ordinal) == true)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = Enum.GetValues(type).Cast<Enum>()
                .Select(value => (JsonNode)JsonValue.Create(WireNames.SnakeCase(value.ToString()))!)
                .ToList();
        }

        return Task.CompletedTask;
    }
}
