using System.Text.Json.Nodes;

namespace Cms.Tests.Api;

/// <summary>
/// The versioning rule of the OpenAPI document (docs/clients.md), as a diff of a release's document against the current
/// one: the changes that break a client generated from the release. Requests must still be accepted (no operation or
/// success status gone, no new required parameter, body member or header, no type narrowed, no enum value removed);
/// answers must still hold what the release promised (no required member, header or success status gone, no type
/// widened, nothing made nullable). Additions are not breaking: new operations, optional members, statuses, and enum
/// values in answers (clients must tolerate unknown values, problem codes included). Problem bodies are not compared.
/// </summary>
internal sealed class OpenApiCompatibility(JsonNode baseline, JsonNode current)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];
    private readonly List<string> _breaks = [];

    public static IReadOnlyList<string> BreakingChanges(JsonNode baseline, JsonNode current)
    {
        var diff = new OpenApiCompatibility(baseline, current);
        diff.Compare();
        return diff._breaks;
    }

    private void Compare()
    {
        foreach (var (path, item) in baseline["paths"]!.AsObject())
        {
            foreach (var method in Methods.Where(m => item?[m] is not null))
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                if (current["paths"]?[path]?[method] is not { } now)
                {
                    _breaks.Add($"{name}: the operation is gone");
                    continue;
                }

                CompareOperation(name, item![method]!, now);
            }
        }
    }

    private void CompareOperation(string name, JsonNode before, JsonNode now)
    {
        var oldParameters = Parameters(before);
        foreach (var (key, parameter) in Parameters(now))
        {
            var wasRequired = oldParameters.TryGetValue(key, out var old) && old["required"]?.GetValue<bool>() == true;
            if (parameter["required"]?.GetValue<bool>() == true && !wasRequired)
            {
                _breaks.Add($"{name}: the {key} parameter is now required");
            }

            if (old?["schema"] is { } oldSchema && parameter["schema"] is { } schema)
            {
                CompareRequest($"{name} parameter {key}", oldSchema, schema, 0);
            }
        }

        var oldBody = before["requestBody"]?["content"]?["application/json"]?["schema"];
        var body = now["requestBody"]?["content"]?["application/json"]?["schema"];
        if (oldBody is not null && body is not null)
        {
            CompareRequest($"{name} body", oldBody, body, 0);
        }
        else if (body is not null && now["requestBody"]?["required"]?.GetValue<bool>() == true && before["requestBody"] is null)
        {
            _breaks.Add($"{name}: a body is now required");
        }

        foreach (var (status, response) in before["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')))
        {
            if (now["responses"]?[status] is not { } nowResponse)
            {
                _breaks.Add($"{name}: the {status} answer is gone");
                continue;
            }

            foreach (var (header, _) in response?["headers"]?.AsObject() ?? [])
            {
                if (nowResponse["headers"]?[header] is null)
                {
                    _breaks.Add($"{name} {status}: the {header} header is gone");
                }
            }

            foreach (var (media, content) in response?["content"]?.AsObject() ?? [])
            {
                if (nowResponse["content"]?[media]?["schema"] is not { } schema)
                {
                    _breaks.Add($"{name} {status}: the {media} body is gone");
                }
                else if (content?["schema"] is { } oldSchema)
                {
                    CompareResponse($"{name} {status}", oldSchema, schema, 0);
                }
            }
        }
    }

    private static Dictionary<string, JsonNode> Parameters(JsonNode operation) =>
        (operation["parameters"]?.AsArray() ?? []).Where(p => p is not null)
        .ToDictionary(p => $"{p!["in"]}:{p["name"]}", p => p!, StringComparer.OrdinalIgnoreCase);

    /// <summary>What a caller sends under the old schema must still be accepted under the new one.</summary>
    private void CompareRequest(string where, JsonNode oldSchema, JsonNode schema, int depth)
    {
        var before = Shape(oldSchema, baseline);
        var now = Shape(schema, current);
        if (depth > 12 || before.Node is null || now.Node is null)
        {
            return;
        }

        if (now.Types.Count > 0 && before.Types.Except(now.Types).Any())
        {
            _breaks.Add($"{where}: accepts {string.Join("|", now.Types)} where it accepted {string.Join("|", before.Types)}");
        }

        if (now.Enum is { } values && (before.Enum is null || before.Enum.Except(values).Any()))
        {
            _breaks.Add($"{where}: no longer accepts {string.Join(", ", (before.Enum ?? ["any value"]).Except(values))}");
        }

        foreach (var member in now.Required.Except(before.Required))
        {
            _breaks.Add($"{where}: '{member}' is now required");
        }

        foreach (var (member, old) in before.Properties)
        {
            if (now.Properties.TryGetValue(member, out var property))
            {
                CompareRequest($"{where}.{member}", old, property, depth + 1);
            }
        }

        if (before.Items is not null && now.Items is not null)
        {
            CompareRequest($"{where}[]", before.Items, now.Items, depth + 1);
        }
    }

    /// <summary>What a caller read under the old schema must still be there, of the same type, under the new one.</summary>
    private void CompareResponse(string where, JsonNode oldSchema, JsonNode schema, int depth)
    {
        var before = Shape(oldSchema, baseline);
        var now = Shape(schema, current);
        if (depth > 12 || before.Node is null || now.Node is null)
        {
            return;
        }

        if (before.Types.Count > 0 && now.Types.Except(before.Types).Any())
        {
            _breaks.Add($"{where}: is {string.Join("|", now.Types)} where it was {string.Join("|", before.Types)}");
        }

        foreach (var member in before.Required.Except(now.Required))
        {
            _breaks.Add($"{where}: '{member}' is no longer always present");
        }

        foreach (var (member, old) in before.Properties)
        {
            if (!now.Properties.TryGetValue(member, out var property))
            {
                _breaks.Add($"{where}: '{member}' is gone");
            }
            else
            {
                CompareResponse($"{where}.{member}", old, property, depth + 1);
            }
        }

        if (before.Items is not null && now.Items is not null)
        {
            CompareResponse($"{where}[]", before.Items, now.Items, depth + 1);
        }
    }

    private sealed record SchemaShape(JsonNode? Node, HashSet<string> Types, List<string>? Enum, HashSet<string> Required,
        Dictionary<string, JsonNode> Properties, JsonNode? Items);

    /// <summary>A schema with its $ref followed and a nullable oneOf [null, X] read as X admitting null.</summary>
    private static SchemaShape Shape(JsonNode schema, JsonNode document)
    {
        var node = Resolve(schema, document);
        var types = new HashSet<string>(StringComparer.Ordinal);
        if (node?["oneOf"] is JsonArray options && options.Count == 2 && options.Any(o => o?["type"]?.GetValue<string>() == "null"))
        {
            types.Add("null");
            node = Resolve(options.First(o => o?["type"]?.GetValue<string>() != "null")!, document);
        }

        switch (node?["type"])
        {
            case JsonArray list:
                types.UnionWith(list.Select(t => t!.GetValue<string>()));
                break;
            case JsonValue one:
                types.Add(one.GetValue<string>());
                break;
        }

        return new SchemaShape(node, types,
            node?["enum"]?.AsArray().Select(v => v?.ToJsonString() ?? "null").ToList(),
            [.. node?["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? []],
            node?["properties"]?.AsObject().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!) ?? [],
            node?["items"]);
    }

    private static JsonNode? Resolve(JsonNode schema, JsonNode document)
    {
        var node = schema;
        for (var hops = 0; hops < 8 && node?["$ref"]?.GetValue<string>() is { } reference; hops++)
        {
            node = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((JsonNode?)document, (n, part) => n?[part]);
        }

        return node;
    }
}
