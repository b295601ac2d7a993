using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cms.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace Cms.Tests.Operations;

/// <summary>
/// What can be checked of deploy/ without a container engine: the compose file, the collector configuration and the
/// Kubernetes manifests parse, and refer to images, ports, probe paths and settings that exist; the compose stack's
/// API configuration passes the service's own start-up validation; the Dockerfiles are multi-stage, run as a non-root
/// user and have the health checks; and the images' entry commands run the published apps (published and started here,
/// probed on /health/live and /health/ready, then stopped by pid).
/// </summary>
[NonParallelizable]
public sealed partial class DeployTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Deploy = Path.Combine(Root, "deploy");

    /// <summary>OTEL_* variables the OpenTelemetry SDK reads (standard), and others the runtime reads.</summary>
    private static readonly HashSet<string> StandardVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES", "Urls", "DOTNET_gcServer", "Logging__Console__FormatterName",
        "Logging__Console__FormatterOptions__IncludeScopes", "CMS_MIGRATIONS_PROVIDER", "CMS_MIGRATIONS_CONNECTION", "POD_NAME",
    ];

    [Test]
    public void Every_deploy_yaml_file_parses()
    {
        var files = Directory.GetFiles(Deploy, "*.yaml", SearchOption.AllDirectories);
        Assert.That(files.Select(Path.GetFileName), Is.SupersetOf(new[] { "compose.yaml", "collector.yaml", "deployment.yaml", "migration-job.yaml", "pdb.yaml", "hpa.yaml", "configmap.yaml" }));
        foreach (var file in files)
        {
            Assert.That(Load(file), Is.Not.Empty, file);
        }
    }

    [Test]
    public void Compose_wires_postgres_migrations_pgbouncer_the_api_a_collector_and_jaeger()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "compose.yaml")).Single();
        var services = Map(compose, "services");
        Assert.That(services.Children.Keys.Select(k => k.ToString()),
            Is.SupersetOf(new[] { "postgres", "migrate", "pgbouncer", "api", "otel-collector", "jaeger" }));

        foreach (var (name, node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            var image = Scalar(service, "image");
            Assert.That(image, Does.Match(@"^[\w./-]+:[\w.-]+$").And.Not.EndsWith(":latest"), $"{name}: a pinned image");
            if (service.Children.ContainsKey("build"))
            {
                var dockerfile = Scalar(Map(service, "build"), "dockerfile");
                Assert.That(File.Exists(Path.Combine(Root, dockerfile!)), $"{name}: {dockerfile} exists");
            }

            foreach (var volume in Sequence(service, "volumes").Select(v => v.ToString()).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                Assert.That(Path.Exists(Path.Combine(Deploy, volume.Split(':')[0])), $"{name}: mounted {volume} exists");
            }
        }

        var api = Map(services, "api");
        Assert.That(Sequence(api, "ports").Select(p => p.ToString()), Does.Contain("8080:8080"));
        Assert.That(Scalar(Map(Map(api, "depends_on"), "migrate"), "condition"), Is.EqualTo("service_completed_successfully"));
        var environment = Environment(api, compose);
        AssertSettingsExist(environment.Keys, "compose api");
        Assert.That(environment["Cms__Database__ConnectionString"], Does.Contain("Host=pgbouncer;Port=6432"), "the API goes through PgBouncer");
        Assert.That(environment["OTEL_EXPORTER_OTLP_ENDPOINT"], Is.EqualTo("http://otel-collector:4318"));
        Assert.That(Sequence(Map(services, "otel-collector"), "ports").Select(p => p.ToString()), Does.Contain("4318:4318"));
        Assert.That(File.ReadAllText(Path.Combine(Deploy, "pgbouncer", "pgbouncer.ini")), Does.Contain("listen_port = 6432").And.Contain("host=postgres"));

        // The compose API configuration passes the service's own start-up checks (keys decode, strings parse).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)));
        Assert.DoesNotThrow(() => builder.AddCmsServices());

        var migrate = Environment(Map(services, "migrate"), compose);
        Assert.That(migrate["CMS_MIGRATIONS_CONNECTION"], Does.Contain("Username=cms_owner"), "migrations run as the owner");
        Assert.That(environment["Cms__Database__ConnectionString"], Does.Contain("Username=cms_app"), "the API serves as cms_app");

        var collector = (YamlMappingNode)Load(Path.Combine(Deploy, "otel", "collector.yaml")).Single();
        var pipelines = Map(Map(collector, "service"), "pipelines");
        Assert.That(Sequence(Map(pipelines, "traces"), "exporters").Select(e => e.ToString()), Does.Contain("otlp/jaeger"));
        Assert.That(Scalar(Map(Map(collector, "exporters"), "otlp/jaeger"), "endpoint"), Is.EqualTo("jaeger:4317"));
    }

    [Test]
    public void Kubernetes_manifests_probe_the_health_endpoints_and_reference_existing_settings()
    {
        var documents = Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").SelectMany(Load).Cast<YamlMappingNode>().ToList();
        YamlMappingNode Kind(string kind, string? name = null) => documents.Single(d =>
            Scalar(d, "kind") == kind && (name is null || Scalar(Map(d, "metadata"), "name") == name));

        var deployment = Kind("Deployment");
        var pod = Map(Map(deployment, "spec"), "template", "spec");
        var container = (YamlMappingNode)Sequence(pod, "containers").Single();
        Assert.That(Scalar(container, "image"), Does.EndWith("/cms-api:1.0.0"));
        Assert.That(Scalar((YamlMappingNode)Sequence(container, "ports").Single(), "containerPort"), Is.EqualTo("8080"));
        Assert.That(Scalar(Map(container, "livenessProbe", "httpGet"), "path"), Is.EqualTo("/health/live"));
        Assert.That(Scalar(Map(container, "readinessProbe", "httpGet"), "path"), Is.EqualTo("/health/ready"));
        Assert.That(Map(container, "resources", "requests").Children.Keys.Select(k => k.ToString()), Is.SupersetOf(new[] { "cpu", "memory" }));
        Assert.That(Scalar(Map(pod, "securityContext"), "runAsNonRoot"), Is.EqualTo("true"));

        var configMapName = Scalar(Map((YamlMappingNode)Sequence(container, "envFrom").Single(), "configMapRef"), "name");
        var configMap = Kind("ConfigMap", configMapName);
        var secret = Kind("Secret");
        var secretKeys = Map(secret, "stringData").Children.Keys.Select(k => k.ToString()).ToHashSet();
        var variables = Map(configMap, "data").Children.Keys.Select(k => k.ToString()).ToList();
        foreach (YamlMappingNode variable in Sequence(container, "env"))
        {
            variables.Add(Scalar(variable, "name")!);
            if (variable.Children.ContainsKey("valueFrom") && Map(variable, "valueFrom").Children.ContainsKey("secretKeyRef"))
            {
                var reference = Map(variable, "valueFrom", "secretKeyRef");
                Assert.That(Scalar(reference, "name"), Is.EqualTo(Scalar(Map(secret, "metadata"), "name")));
                Assert.That(secretKeys, Does.Contain(Scalar(reference, "key")));
            }
        }

        AssertSettingsExist(variables, "k8s Deployment");
        Assert.That(variables, Is.SupersetOf(new[] { "Cms__Database__ConnectionString", "Cms__Audit__HmacKey", "Cms__Crypto__MasterKeys__1", "Cms__Auth__Authority" }));

        var job = Kind("Job");
        var jobContainer = (YamlMappingNode)Sequence(Map(Map(job, "spec"), "template", "spec"), "containers").Single();
        Assert.That(Scalar(jobContainer, "image"), Does.EndWith("/cms-migrations:1.0.0"));
        Assert.That(Sequence(jobContainer, "env").Cast<YamlMappingNode>().Select(e => Scalar(e, "name")), Does.Contain("CMS_MIGRATIONS_CONNECTION"));

        var selector = Scalar(Map(Map(deployment, "spec"), "selector", "matchLabels"), "app.kubernetes.io/name");
        Assert.That(Scalar(Map(Map(Kind("PodDisruptionBudget"), "spec"), "selector", "matchLabels"), "app.kubernetes.io/name"), Is.EqualTo(selector));
        Assert.That(Scalar(Map(Map(Kind("HorizontalPodAutoscaler"), "spec"), "scaleTargetRef"), "name"), Is.EqualTo(Scalar(Map(deployment, "metadata"), "name")));
        Assert.That(int.Parse(Scalar(Map(Kind("PodDisruptionBudget"), "spec"), "minAvailable")!, System.Globalization.CultureInfo.InvariantCulture),
            Is.LessThan(int.Parse(Scalar(Map(Kind("HorizontalPodAutoscaler"), "spec"), "minReplicas")!, System.Globalization.CultureInfo.InvariantCulture)),
            "a node drain can always evict one pod");
    }

    [Test]
    public async Task The_api_images_entry_command_runs_the_published_service_and_its_health_check_passes()
    {
        var dockerfile = ReadDockerfile("api.Dockerfile");
        var entry = dockerfile.Entrypoint;
        Assert.That(entry, Is.EqualTo(new[] { "dotnet", "Cms.Api.dll" }));

        var publish = Publish("Cms.Api/Cms.Api.csproj");
        var data = Directory.CreateTempSubdirectory("cms-deploy-");
        var port = FreePort();
        var environment = new Dictionary<string, string>(dockerfile.Env)
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Cms__Database__ConnectionString"] = $"Data Source={Path.Combine(data.FullName, "cms.db")}",
        };

        using var process = Start(entry, [], publish, environment);
        var stdout = process.StandardOutput.ReadToEndAsync(); // drained from the start: a full pipe would block the service
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForAsync(http, "/health/live", process);
            Assert.That((await http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "migrated and reachable");

            // The image's HEALTHCHECK command, pointed at this port.
            var probe = dockerfile.Healthcheck.Select(a => a.Replace("127.0.0.1:8080", $"127.0.0.1:{port}", StringComparison.Ordinal)).ToArray();
            Assert.That(probe, Does.Contain($"http://127.0.0.1:{port}/health/ready"));
            Assert.That(await RunAsync(probe, publish, environment), Is.Zero, "HEALTHCHECK passes");

            // A refused request writes a structured (JSON) log line carrying the request's trace and span ids.
            var token = (await RunForOutputAsync(["dotnet", "Cms.Api.dll", "token", "--platform", "--sub", "ops-1"], publish, environment)).Trim();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{Guid.NewGuid()}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            Assert.That((await http.SendAsync(request)).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            data.Delete(recursive: true);
        }

        _ = await stderr;
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var refused = lines.Where(l => l.Contains("refused", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l)).SingleOrDefault();
        Assert.That(refused, Is.Not.Null, "the refusal was logged as one JSON line: " + string.Join("\n", lines.Take(20)));
        var scopes = refused!.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.That(scopes.Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var t) && t.GetString()!.Length == 32), "the trace id is in the line");
        Assert.That(scopes.Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("SpanId", out _)), "the span id is in the line");
    }

    [Test]
    public async Task The_api_refuses_to_start_on_a_wrong_setting_and_names_it()
    {
        var publish = Publish("Cms.Api/Cms.Api.csproj");
        var environment = new Dictionary<string, string>(ReadDockerfile("api.Dockerfile").Env)
        {
            ["Urls"] = $"http://127.0.0.1:{FreePort()}",
            ["Cms__Database__Provider"] = "Postgres",
            ["Cms__Database__ConnectionString"] = "Host=db;Username=cms_app;Password=never-print-me",
        };
        using var process = Start(["dotnet", "Cms.Api.dll"], [], publish, environment);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var error = await process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        Assert.That(process.ExitCode, Is.EqualTo(78));
        Assert.That(error, Does.Contain("Cms:Auth"), "no authority or signing key with PostgreSQL");
        Assert.That(error + output, Does.Not.Contain("never-print-me"));
    }

    [Test]
    public async Task The_migration_images_entry_command_migrates_a_database()
    {
        var dockerfile = ReadDockerfile("migrations.Dockerfile");
        Assert.That(dockerfile.Entrypoint, Is.EqualTo(new[] { "dotnet", "Cms.Migrations.dll" }));
        Assert.That(dockerfile.Cmd, Is.EqualTo(new[] { "up" }));
        var publish = Publish("migrations/Cms.Migrations.csproj");
        var data = Directory.CreateTempSubdirectory("cms-migrate-");
        try
        {
            var environment = new Dictionary<string, string>(dockerfile.Env)
            {
                ["CMS_MIGRATIONS_PROVIDER"] = "sqlite", // the image defaults to postgres; no server here
                ["CMS_MIGRATIONS_CONNECTION"] = $"Data Source={Path.Combine(data.FullName, "cms.db")}",
            };
            Assert.That(await RunAsync([.. dockerfile.Entrypoint, .. dockerfile.Cmd], publish, environment), Is.Zero);
            var listed = await RunForOutputAsync([.. dockerfile.Entrypoint, "list"], publish, environment);
            Assert.That(listed, Does.Contain(Cms.Migrations.CmsMigrator.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(listed, Does.Not.Contain("pending"));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Test]
    public void Dockerfiles_are_multi_stage_and_run_as_a_non_root_user()
    {
        foreach (var name in new[] { "api.Dockerfile", "migrations.Dockerfile" })
        {
            var dockerfile = ReadDockerfile(name);
            Assert.That(dockerfile.Lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2), $"{name}: multi-stage");
            Assert.That(dockerfile.Lines.Any(l => l.StartsWith("COPY --from=build", StringComparison.Ordinal)), $"{name}: the runtime stage copies the published output");
            var user = dockerfile.Lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
            Assert.That(user, Is.Not.EqualTo("root").And.Not.EqualTo("0"), $"{name}: non-root");
        }

        // The API is a long-running service: its image probes readiness with a real command (run by the entry-command test).
        var api = ReadDockerfile("api.Dockerfile");
        Assert.That(api.Lines, Does.Contain("EXPOSE 8080"));
        Assert.That(api.Env["Urls"], Is.EqualTo("http://+:8080"));
        Assert.That(FinalStage(api).Where(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1)
            .And.All.Matches<string>(l => Regex.IsMatch(l!, @"^HEALTHCHECK(\s+--[a-z-]+=\S+)*\s+CMD\s+\[")), "api: one HEALTHCHECK CMD in exec form");
        Assert.That(api.Healthcheck, Is.EqualTo(new[] { "dotnet", "Cms.Api.dll", "probe", "http://127.0.0.1:8080/health/ready" }));

        // The migration job runs to completion and its exit code is its health: it declares that it has no periodic check
        // (rather than leaving it out, which would inherit any HEALTHCHECK a future base image brings).
        var migrations = ReadDockerfile("migrations.Dockerfile");
        Assert.That(migrations.Healthcheck, Is.Empty, "migrations: no health check command");
        Assert.That(FinalStage(migrations).Where(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal)), Is.EqualTo(new[] { "HEALTHCHECK NONE" }),
            "migrations: health checking explicitly off");
    }

    private static List<string> FinalStage(Dockerfile dockerfile) =>
        dockerfile.Lines.Skip(dockerfile.Lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();

    [Test]
    public void The_configuration_page_names_every_bound_setting()
    {
        var rows = File.ReadAllLines(Path.Combine(Root, "docs", "configuration.md")).Where(l => l.StartsWith("| `Cms:", StringComparison.Ordinal)).ToList();
        var options = new[] { typeof(CmsApi).Assembly, typeof(Cms.Application.Common.Telemetry).Assembly, typeof(Cms.Infrastructure.Persistence.DatabaseOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .ToList();
        Assert.That(options.Select(o => o.Section), Does.Contain("Cms:Webhooks").And.Contain("Cms:Shutdown"));

        // A row names a setting in full (`Cms:Webhooks:PollInterval`, or `...:<key>` for a keyed one) or, after one in full of the same section, by its
        // last part (`Cms:Resilience:BaseDelay` / `MaxDelay`).
        var missing = options
            .SelectMany(o => o.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
                .Select(p => (o.Section, Property: p.Name)))
            .Where(s => !rows.Any(r => r.Contains($"`{s.Section}:{s.Property}`", StringComparison.Ordinal)
                                       || r.Contains($"`{s.Section}:{s.Property}:", StringComparison.Ordinal) // keyed: `Cms:Idempotency:RequiredFor:<n>`
                                       || (r.Contains($"`{s.Section}:", StringComparison.Ordinal) && r.Contains($"`{s.Property}`", StringComparison.Ordinal))))
            .Select(s => $"{s.Section}:{s.Property}")
            .ToList();
        Assert.That(missing, Is.Empty, "settings the service binds that docs/configuration.md does not name");
    }

    /// <summary>Each Cms__ variable names a setting the service reads: a literal path in its source, a bound options property, or a child of a keyed section.</summary>
    private static void AssertSettingsExist(IEnumerable<string> variables, string where)
    {
        var source = string.Join("\n", new[] { "Cms.Api", "Cms.Application", "Cms.Infrastructure" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(Root, d), "*.cs", SearchOption.AllDirectories))
            .Select(File.ReadAllText));
        var sections = new[] { typeof(CmsApi).Assembly, typeof(Cms.Application.Common.Telemetry).Assembly, typeof(Cms.Infrastructure.Persistence.DatabaseOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .ToList();
        foreach (var variable in variables)
        {
            if (StandardVariables.Contains(variable))
            {
                continue;
            }

            Assert.That(variable, Does.StartWith("Cms__"), $"{where}: {variable} is neither a Cms setting nor a standard variable");
            var path = variable.Replace("__", ":", StringComparison.Ordinal);
            var parent = path[..path.LastIndexOf(':')];
            var property = path[(path.LastIndexOf(':') + 1)..];
            var exists = source.Contains($"\"{path}\"", StringComparison.Ordinal)
                         || sections.Any(s => s.Section == parent && s.Type.GetProperty(property) is not null)
                         || (source.Contains($"GetSection(\"{parent}\")", StringComparison.Ordinal) && parent.Split(':').Length >= 3);
            Assert.That(exists, $"{where}: {variable} ({path}) is read by the service");
        }
    }
}
