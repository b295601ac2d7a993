using System.Globalization;
using System.Text.RegularExpressions;
using Cms.Api;
using YamlDotNet.RepresentationModel;

namespace Cms.Tests.Operations;

/// <summary>
/// The container side of deploy/: what the images are built from (the .dockerignore lets every COPY source through and
/// keeps host build output out), the shutdown budget of the manifests against the service's own defaults, and the
/// order of the Kubernetes env lists (a <c>$(VAR)</c> reference expands only from a variable defined above it).
/// </summary>
public sealed partial class DeployTests
{
    [GeneratedRegex(@"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex KubernetesVariableReference();

    [Test]
    public void The_dockerignore_sends_every_copy_source_and_keeps_build_output_out()
    {
        var ignore = DockerIgnore.Read(Path.Combine(Root, ".dockerignore"));

        foreach (var project in new[] { "Cms.Api", "Cms.Domain", "Cms.Application", "Cms.Infrastructure", "migrations" })
        {
            Assert.That(ignore.Excludes($"{project}/bin/Release/net10.0/{project}.dll"), $"{project}/bin is not sent");
            Assert.That(ignore.Excludes($"{project}/obj/project.assets.json"), $"{project}/obj is not sent");
        }

        Assert.That(ignore.Excludes(".git/HEAD"), ".git is not sent");
        Assert.That(ignore.Excludes("TestResults/run.trx") && ignore.Excludes("Cms.Tests/TestResults/x.trx"), "test results are not sent");
        Assert.That(ignore.Excludes("tools/openapi-lint/node_modules/x/package.json"), "node_modules is not sent");
        Assert.That(ignore.Excludes("cms.db") && ignore.Excludes("Cms.Api/cms.db-wal"), "local databases are not sent");

        foreach (var name in new[] { "api.Dockerfile", "migrations.Dockerfile" })
        {
            var sources = ReadDockerfile(name).Lines
                .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
                .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
                .ToList();
            Assert.That(sources, Is.Not.Empty, name);
            foreach (var source in sources)
            {
                var path = Path.Combine(Root, source);
                Assert.That(Path.Exists(path), $"{name}: COPY {source} exists");
                Assert.That(ignore.Excludes(source.TrimEnd('/')), Is.False, $"{name}: COPY {source} is sent");

                // Every source file under a copied folder reaches the image (what the host built there does not matter).
                var files = Directory.Exists(path)
                    ? Directory.GetFiles(path, "*", SearchOption.AllDirectories)
                        .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
                        .Where(f => !f.Split('/').Any(s => s is "bin" or "obj"))
                        .ToList()
                    : [source];
                Assert.That(files, Is.Not.Empty, $"{name}: {source}");
                Assert.That(files.Where(ignore.Excludes), Is.Empty, $"{name}: files under COPY {source} that .dockerignore drops");
            }
        }
    }

    [Test]
    public void The_shutdown_budget_of_the_manifests_covers_the_services_defaults()
    {
        var defaults = new ShutdownOptions();
        Assert.That(defaults.Total, Is.EqualTo(defaults.ReadinessDelay + defaults.DrainTimeout + defaults.TelemetryFlushTimeout));

        var deployment = Load(Path.Combine(Deploy, "k8s", "deployment.yaml")).Cast<YamlMappingNode>().Single(d => Scalar(d, "kind") == "Deployment");
        var pod = Map(Map(deployment, "spec"), "template", "spec");
        var grace = TimeSpan.FromSeconds(int.Parse(Scalar(pod, "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture));
        Assert.That(grace, Is.GreaterThan(defaults.Total),
            "the kubelet's SIGKILL comes after readiness delay + drain + telemetry flush, with a margin");

        // A probe sees the pod unready within periodSeconds × failureThreshold; the service must still serve that long.
        var readiness = Map((YamlMappingNode)Sequence(pod, "containers").Single(), "readinessProbe");
        var unreadyAfter = TimeSpan.FromSeconds(
            int.Parse(Scalar(readiness, "periodSeconds")!, CultureInfo.InvariantCulture) *
            int.Parse(Scalar(readiness, "failureThreshold")!, CultureInfo.InvariantCulture));
        Assert.That(unreadyAfter, Is.LessThanOrEqualTo(defaults.ReadinessDelay), "the readiness probe notices the shutdown within ReadinessDelay");

        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "compose.yaml")).Single();
        var stopGrace = Scalar(Map(compose, "services", "api"), "stop_grace_period");
        Assert.That(stopGrace, Does.Match(@"^\d+s$"), "compose api: stop_grace_period in seconds (compose's default, 10 s, is too short)");
        Assert.That(TimeSpan.FromSeconds(int.Parse(stopGrace![..^1], CultureInfo.InvariantCulture)), Is.GreaterThan(defaults.Total));
    }

    [Test]
    public void Kubernetes_env_references_name_variables_defined_above_them()
    {
        var checkedReferences = 0;
        foreach (var document in Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").SelectMany(Load).Cast<YamlMappingNode>())
        {
            if (!document.Children.ContainsKey("spec") || !Map(document, "spec").Children.ContainsKey("template"))
            {
                continue;
            }

            var pod = Map(Map(document, "spec"), "template", "spec");
            foreach (YamlMappingNode container in Sequence(pod, "containers").Concat(Sequence(pod, "initContainers")))
            {
                var defined = new HashSet<string>(StringComparer.Ordinal);
                foreach (YamlMappingNode variable in Sequence(container, "env"))
                {
                    var name = Scalar(variable, "name")!;
                    foreach (Match reference in KubernetesVariableReference().Matches(Scalar(variable, "value") ?? ""))
                    {
                        checkedReferences++;
                        Assert.That(defined, Does.Contain(reference.Groups[1].Value),
                            $"{Scalar(Map(document, "metadata"), "name")}/{Scalar(container, "name")}: {name} uses $({reference.Groups[1].Value}), " +
                            "which Kubernetes expands only when defined earlier in the env list");
                    }

                    defined.Add(name);
                }
            }
        }

        Assert.That(checkedReferences, Is.GreaterThan(0), "the Deployment's OTEL_RESOURCE_ATTRIBUTES refers to $(POD_NAME)");
    }

    /// <summary>.dockerignore as the Docker builder reads it: patterns relative to the context, <c>**</c> for any
    /// number of folders, <c>!</c> to re-include, the last matching line wins, and a folder's pattern covers what is in it.</summary>
    private sealed class DockerIgnore(List<(Regex Pattern, bool Exclude)> rules)
    {
        public static DockerIgnore Read(string file)
        {
            var rules = new List<(Regex, bool)>();
            foreach (var raw in File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                var exclude = !raw.StartsWith('!');
                var pattern = (exclude ? raw : raw[1..]).Trim().TrimStart('/').TrimEnd('/');
                var regex = new System.Text.StringBuilder("^");
                for (var i = 0; i < pattern.Length; i++)
                {
                    if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
                    {
                        var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                        regex.Append(slash ? "(.*/)?" : ".*");
                        i += slash ? 2 : 1;
                    }
                    else
                    {
                        regex.Append(pattern[i] switch
                        {
                            '*' => "[^/]*",
                            '?' => "[^/]",
                            var c => Regex.Escape(c.ToString()),
                        });
                    }
                }

                rules.Add((new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant), exclude));
            }

            return new DockerIgnore(rules);
        }

        public bool Excludes(string path)
        {
            var segments = path.Split('/');
            var candidates = Enumerable.Range(1, segments.Length).Select(n => string.Join('/', segments[..n])).ToList();
            var excluded = false;
            foreach (var (pattern, exclude) in rules)
            {
                if (candidates.Any(pattern.IsMatch))
                {
                    excluded = exclude;
                }
            }

            return excluded;
        }
    }
}
