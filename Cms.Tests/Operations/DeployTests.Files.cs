using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Cms.Tests.Operations;

/// <summary>Reading the deploy files: compose environments, YAML nodes and Dockerfiles.</summary>
public sealed partial class DeployTests
{
    private static Dictionary<string, string> Environment(YamlMappingNode service, YamlMappingNode compose)
    {
        var environment = new Dictionary<string, string>();
        var node = Map(service, "environment");
        foreach (var (key, value) in node.Children)
        {
            if (key.ToString() == "<<")
            {
                foreach (var (k, v) in (YamlMappingNode)value)
                {
                    environment[k.ToString()] = Interpolate(v.ToString());
                }

                continue;
            }

            environment[key.ToString()] = Interpolate(value.ToString());
        }

        return environment;
    }

    /// <summary>${NAME:-default} as compose resolves it with nothing set.</summary>
    private static string Interpolate(string value) => Default().Replace(value, m => m.Groups[1].Value);

    [GeneratedRegex(@"\$\{[A-Z_]+:-([^}]*)\}")]
    private static partial Regex Default();

    private static List<YamlNode> Load(string file)
    {
        using var reader = new StreamReader(file);
        var stream = new YamlStream();
        stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode).ToList();
    }

    private static YamlMappingNode Map(YamlMappingNode node, params string[] path)
    {
        foreach (var key in path)
        {
            Assert.That(node.Children.ContainsKey(key), $"'{key}' is present");
            node = (YamlMappingNode)node.Children[key];
        }

        return node;
    }

    private static List<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? [.. ((YamlSequenceNode)value).Children] : [];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private sealed record Dockerfile(List<string> Lines, string[] Entrypoint, string[] Cmd, string[] Healthcheck, Dictionary<string, string> Env);

    /// <summary>Reads the final stage of a Dockerfile: continuation lines joined, ENTRYPOINT/CMD/HEALTHCHECK in exec form, ENV pairs.</summary>
    private static Dockerfile ReadDockerfile(string name)
    {
        var text = File.ReadAllText(Path.Combine(Deploy, name)).Replace("\\\n", " ", StringComparison.Ordinal);
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var final = lines.Skip(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        string[] Exec(string instruction)
        {
            var line = final.LastOrDefault(l => l.StartsWith(instruction + " ", StringComparison.Ordinal));
            if (line is null)
            {
                return [];
            }

            var json = line[line.IndexOf('[', StringComparison.Ordinal)..];
            return JsonSerializer.Deserialize<string[]>(json)!;
        }

        var env = new Dictionary<string, string>();
        foreach (var line in final.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            foreach (var pair in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                env[pair[..at]] = pair[(at + 1)..];
            }
        }

        var healthcheck = final.FirstOrDefault(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal) && l.Contains(" CMD ", StringComparison.Ordinal));
        return new Dockerfile(lines, Exec("ENTRYPOINT"), Exec("CMD"),
            healthcheck is null ? [] : JsonSerializer.Deserialize<string[]>(healthcheck[healthcheck.IndexOf('[', StringComparison.Ordinal)..])!, env);
    }
}
