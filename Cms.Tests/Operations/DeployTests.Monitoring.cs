using System.Text.Json;
using System.Text.RegularExpressions;
using Cms.Api;
using YamlDotNet.RepresentationModel;

namespace Cms.Tests.Operations;

/// <summary>
/// The monitoring part of the compose stack: pg_stat_statements preloaded and created, the exporter, Prometheus and
/// Grafana wired to each other, and a dashboard whose every metric is one the service, its instrumented libraries or
/// the PostgreSQL exporter actually exports (so a renamed instrument breaks this test, not the dashboard in silence).
/// </summary>
public sealed partial class DeployTests
{
    private static readonly string Monitoring = Path.Combine(Deploy, "monitoring");

    /// <summary>Prometheus name prefixes of metrics that come from outside the service's code, and the meter (or exporter) behind each.</summary>
    private static readonly Dictionary<string, string> ExternalMetricSources = new(StringComparer.Ordinal)
    {
        ["http_server_request_duration_seconds"] = "Microsoft.AspNetCore.Hosting",
        ["db_client_connection_count"] = "Npgsql",
        ["db_client_connection_max"] = "Npgsql",
        ["db_client_operation_duration_seconds"] = "Npgsql",
    };

    private static readonly string[] PostgresExporterMetrics =
    [
        "pg_stat_statements_seconds_total", "pg_stat_statements_calls_total", "pg_stat_activity_count", "pg_stat_activity_max_tx_duration",
        "pg_replication_lag_seconds", "pg_stat_replication_pg_wal_lsn_diff", "pg_stat_database_xact_commit", "pg_stat_database_xact_rollback",
    ];

    [GeneratedRegex(@"\b([a-z_][a-z0-9_]*)\s*(\{|\[|\))")]
    private static partial Regex MetricReference();

    [GeneratedRegex(@"""(cms\.[a-z0-9_.]+)""")]
    private static partial Regex InstrumentNameLiteral();

    [Test]
    public void Compose_runs_the_database_exporter_prometheus_and_grafana_with_statement_statistics()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "compose.yaml")).Single();
        var services = Map(compose, "services");
        Assert.That(services.Children.Keys.Select(k => k.ToString()), Is.SupersetOf(new[] { "postgres-exporter", "prometheus", "grafana" }));

        var postgresCommand = string.Join(' ', Sequence(Map(services, "postgres"), "command").Select(c => c.ToString()));
        Assert.That(postgresCommand, Does.Contain("shared_preload_libraries=pg_stat_statements"));

        // Every transaction opens with SET LOCAL app.tenant_id = '<tenant>' (and the use case's application_name): utility
        // statements with literal values, one pg_stat_statements entry per tenant and use case if tracked.
        var persistence = Path.Combine(Root, "Cms.Infrastructure", "Persistence");
        Assert.That(File.ReadAllText(Path.Combine(persistence, "ServiceConnections.cs")), Does.Contain("SET LOCAL app.tenant_id = '"),
            "the tenant setting is a SET statement (not set_config in a SELECT)");
        Assert.That(File.ReadAllText(Path.Combine(persistence, "PostgresSession.cs")), Does.Contain("ServiceConnections.SetTenant("),
            "the session sends that statement");
        Assert.That(postgresCommand, Does.Contain("pg_stat_statements.track_utility=off"));
        Assert.That(File.ReadAllText(Path.Combine(Deploy, "postgres", "postgresql.conf")), Does.Match(@"(?m)^pg_stat_statements\.track_utility = off\b"));
        Assert.That(File.ReadAllText(Path.Combine(Deploy, "compose", "postgres-init.sh")), Does.Contain("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"));
        Assert.That(string.Join(' ', Sequence(Map(services, "postgres-exporter"), "command").Select(c => c.ToString())),
            Does.Contain("--collector.stat_statements"));

        // Every file the monitoring services mount exists.
        foreach (var name in new[] { "prometheus", "grafana" })
        {
            foreach (var volume in Sequence(Map(services, name), "volumes").Select(v => v.ToString()))
            {
                var source = volume.Split(':')[0];
                Assert.That(File.Exists(Path.Combine(Deploy, source)) || Directory.Exists(Path.Combine(Deploy, source)), Is.True, $"{name} mounts {source}");
            }
        }

        // Prometheus scrapes the collector's Prometheus exporter and the database exporter, at the ports they serve.
        var collector = (YamlMappingNode)Load(Path.Combine(Deploy, "otel", "collector.yaml")).Single();
        Assert.That(Scalar(Map(Map(collector, "exporters"), "prometheus"), "endpoint"), Is.EqualTo("0.0.0.0:8889"));
        Assert.That(Sequence(Map(Map(Map(collector, "service"), "pipelines"), "metrics"), "exporters").Select(e => e.ToString()),
            Does.Contain("prometheus"));
        var prometheus = File.ReadAllText(Path.Combine(Monitoring, "prometheus.yml"));
        Assert.That(prometheus, Does.Contain("otel-collector:8889").And.Contain("postgres-exporter:9187"));
    }

    [Test]
    public void The_dashboard_reads_only_metrics_that_are_exported()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Monitoring, "grafana", "dashboards", "cms-dashboard.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        Assert.That(expressions, Has.Count.GreaterThanOrEqualTo(10));

        // The service's own instruments, from the source: "cms.complaints.filed" is exported as cms_complaints_filed(_total).
        var instruments = Directory.GetFiles(Root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}Cms.Tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => InstrumentNameLiteral().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Replace('.', '_')))
            .ToHashSet(StringComparer.Ordinal);

        // Label lists (by (...)) and matchers ({...}) name labels, not metrics: drop them before looking for metric names.
        var referenced = expressions
            .Select(e => Regex.Replace(Regex.Replace(e, @"\bby\s*\([^)]*\)", ""), @"\{[^}]*\}", "{}"))
            .SelectMany(e => MetricReference().Matches(e).Select(m => m.Groups[1].Value))
            .Where(name => name.Contains('_', StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.That(referenced, Does.Contain("cms_complaints_overdue").And.Contain("pg_stat_statements_seconds_total"));

        // Slow work by use case: the service names each transaction's backend cms-api/<UseCase> (PostgresSession).
        Assert.That(expressions, Has.Some.Matches<string>(e => e!.Contains("pg_stat_activity_count", StringComparison.Ordinal)
            && e.Contains("by (application_name)", StringComparison.Ordinal) && e.Contains("state=\"active\"", StringComparison.Ordinal)),
            "a panel of active statements by application_name");
        Assert.That(File.ReadAllText(Path.Combine(Root, "Cms.Infrastructure", "Persistence", "PostgresSession.cs")),
            Does.Contain("SET LOCAL application_name = '"));

        // Replication lag as the primary sees it: pg_replication_lag_seconds is 0 on a primary (the only server in compose).
        Assert.That(expressions, Has.None.Contains("pg_replication_lag_seconds"), "a replica-side metric reads 0 on the primary this stack scrapes");
        Assert.That(expressions, Has.Some.Contains("pg_stat_replication_pg_wal_lsn_diff"));
        foreach (var metric in referenced)
        {
            var baseName = Regex.Replace(metric, "_(total|bucket|count|sum)$", "");
            if (metric.StartsWith("cms_", StringComparison.Ordinal))
            {
                Assert.That(instruments, Does.Contain(baseName), $"{metric}: no instrument named {baseName.Replace('_', '.')} in the code");
            }
            else if (metric.StartsWith("pg_", StringComparison.Ordinal))
            {
                Assert.That(PostgresExporterMetrics, Does.Contain(metric), $"{metric}: not a postgres-exporter metric this stack enables");
            }
            else
            {
                var source = ExternalMetricSources.FirstOrDefault(s => metric.StartsWith(s.Key, StringComparison.Ordinal));
                Assert.That(source.Value, Is.Not.Null, $"{metric}: unknown metric");
                Assert.That(ServiceTelemetry.Meters, Does.Contain(source.Value), $"{metric} needs the meter {source.Value}");
            }
        }
    }
}
