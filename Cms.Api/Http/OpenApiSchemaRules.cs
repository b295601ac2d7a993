using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Cms.Domain.Common;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Cms.Api.Http;

/// <summary>
/// Makes each schema say what the service does, from the C# types alone (so a route added anywhere is described right):
/// <list type="bullet">
/// <item>A member is required when its C# type cannot be null, or when it is marked <see cref="RequiredAttribute"/> (a
/// request member the validator refuses to go without: its C# type stays nullable so that the validator, not the JSON
/// reader, names it in a 400); a required member never admits <c>null</c>. Every other member is optional and may be
/// <c>null</c>: in a request null means absent, in a response the member is written as null.</item>
/// <item>Numbers are JSON numbers: the serializer also reads numeric strings, but it always writes numbers, so
/// <c>integer | string</c> with a pattern becomes <c>integer</c> (int64 members say where JavaScript loses precision).</item>
/// <item>Lists of the domain's enums get their item schema, a named component of the enum's wire values.</item>
/// </list>
/// </summary>
public static class OpenApiSchemaRules
{
    private const string Int64Note = "int64: exact in JavaScript only up to 2^53 − 1 (Number.MAX_SAFE_INTEGER); read it as a bigint where it can grow beyond.";

    /// <summary>Members made non-null while the schemas are built ("Schema.member"); <see cref="DropNullOfRequired"/> finishes
    /// them once the generator has wrapped nullable references in oneOf.</summary>
    private static readonly ConditionalWeakTable<OpenApiDocument, ConcurrentDictionary<string, bool>> NonNullMembers = [];

    public static Task Apply(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        OnlyNumbers(schema);
        if (context.JsonPropertyInfo is { } declared)
        {
            ItemsOfEnumList(schema, declared.PropertyType);
        }

        if (context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Properties is not { Count: > 0 } properties)
        {
            return Task.CompletedTask;
        }

        var type = context.JsonTypeInfo.Type;
        var required = new HashSet<string>(schema.Required ?? new HashSet<string>(), StringComparer.Ordinal);
        foreach (var member in context.JsonTypeInfo.Properties)
        {
            if (!properties.TryGetValue(member.Name, out var property))
            {
                continue;
            }

            if (IsMarkedRequired(type, member))
            {
                required.Add(member.Name);
                WithoutNull(property);
                if (context.Document is { } document)
                {
                    NonNullMembers.GetOrCreateValue(document)[$"{type.Name}.{member.Name}"] = true;
                }
            }
            else if (CanBeNull(type, member))
            {
                required.Remove(member.Name);
            }
            else
            {
                required.Add(member.Name);
            }
        }

        schema.Required = required;
        return Task.CompletedTask;
    }

    /// <summary>The serializer writes numbers as numbers: the string alternative only describes what it also reads.</summary>
    private static void OnlyNumbers(OpenApiSchema schema)
    {
        if (schema.Type is { } t && (t & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (t & JsonSchemaType.String) != 0)
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
            if (schema.Format == "int64")
            {
                schema.Description ??= Int64Note;
            }
        }
    }

    private static void ItemsOfEnumList(OpenApiSchema schema, Type memberType)
    {
        if (schema.Type is not { } t || (t & JsonSchemaType.Array) == 0 || schema.Items is not null || ElementOf(memberType) is not { } element
            || !element.IsEnum || element.Namespace?.StartsWith("Cms.", StringComparison.Ordinal) != true)
        {
            return;
        }

        // The schema id makes the generator turn it into a component named after the enum, as it does for enum members.
        schema.Items = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Enum = [.. Enum.GetValues(element).Cast<Enum>().Select(v => (JsonNode)JsonValue.Create(WireNames.SnakeCase(v.ToString()))!)],
            Metadata = new Dictionary<string, object> { [SchemaIdKey] = element.Name },
        };
    }

    /// <summary>The metadata key Microsoft.AspNetCore.OpenApi reads a schema's component name from.</summary>
    private const string SchemaIdKey = "x-schema-id";

    private static void WithoutNull(IOpenApiSchema property)
    {
        if (property is OpenApiSchema { Type: { } type } inline && (type & JsonSchemaType.Null) != 0)
        {
            inline.Type = type & ~JsonSchemaType.Null;
        }
    }

    /// <summary>Document transformer: a required member the generator wrapped in oneOf [null, $ref] loses the null.</summary>
    public static Task DropNullOfRequired(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (!NonNullMembers.TryGetValue(document, out var members))
        {
            return Task.CompletedTask;
        }

        foreach (var (name, schema) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            foreach (var (member, property) in schema.Properties?.ToList() ?? [])
            {
                if (members.ContainsKey($"{name}.{member}") && property is OpenApiSchema { OneOf: { Count: 2 } options }
                    && options.SingleOrDefault(o => o.Type != JsonSchemaType.Null) is { } only)
                {
                    schema.Properties![member] = only;
                }
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsMarkedRequired(Type declaring, JsonPropertyInfo member) =>
        member.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true
        || declaring.GetConstructors().SelectMany(c => c.GetParameters())
            .Any(p => string.Equals(p.Name, ClrName(member), StringComparison.OrdinalIgnoreCase) && p.IsDefined(typeof(RequiredAttribute)));

    private static bool CanBeNull(Type declaring, JsonPropertyInfo member)
    {
        if (Nullable.GetUnderlyingType(member.PropertyType) is not null)
        {
            return true;
        }

        if (member.PropertyType.IsValueType)
        {
            return false;
        }

        return member.AttributeProvider is PropertyInfo property
               && new NullabilityInfoContext().Create(property).WriteState != NullabilityState.NotNull
               || declaring.GetProperty(ClrName(member)) is { } byName && new NullabilityInfoContext().Create(byName).WriteState != NullabilityState.NotNull;
    }

    private static string ClrName(JsonPropertyInfo member) => (member.AttributeProvider as MemberInfo)?.Name ?? member.Name;

    private static Type? ElementOf(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0] is { } element ? Nullable.GetUnderlyingType(element) ?? element : null;
    }
}
