using Cms.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Operations;

/// <summary>
/// Start-up fails fast, naming the setting, when a required setting is missing or wrong; secret values (connection
/// string passwords, keys) never appear in the message.
/// </summary>
public sealed class StartupSettingsTests
{
    private const string Password = "Pa55-word-that-must-not-leak";

    private static readonly string Key32 = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray());

    /// <summary>A complete PostgreSQL production configuration; each case breaks one thing.</summary>
    private static Dictionary<string, string?> Production() => new()
    {
        ["Cms:Database:Provider"] = "Postgres",
        ["Cms:Database:ConnectionString"] = $"Host=db.internal;Database=cms;Username=cms_app;Password={Password}",
        ["Cms:Auth:Authority"] = "https://idp.example",
        ["Cms:Audit:HmacKey"] = Key32,
        ["Cms:Crypto:MasterKeys:1"] = Key32,
        ["Cms:Crypto:TenantKeyVault:Directory"] = Path.Combine(Path.GetTempPath(), "cms-startup-settings-tenant-keys"),
    };

    [Test]
    public void A_complete_production_configuration_starts() =>
        Assert.DoesNotThrow(() => _ = Build(Production()));

    private static IEnumerable<TestCaseData> Broken()
    {
        TestCaseData Case(string name, string expected, params (string Key, string? Value)[] changes)
        {
            var settings = Production();
            foreach (var (key, value) in changes)
            {
                settings[key] = value;
            }

            return new TestCaseData(settings, expected).SetName(name);
        }

        yield return Case("Unknown provider", "Cms:Database:Provider must be Sqlite or Postgres", ("Cms:Database:Provider", "Oracle"));
        yield return Case("Postgres with the SQLite default connection", "Cms:Database:ConnectionString must be a Postgres",
            ("Cms:Database:ConnectionString", null));
        yield return Case("Unparseable connection string", "Cms:Database:ConnectionString must be a Postgres connection string; it cannot be parsed",
            ("Cms:Database:ConnectionString", $"Hots=db;Password={Password}"));
        yield return Case("Unparseable migration connection string", "Cms:Database:MigrationConnectionString must be a Postgres connection string; it cannot be parsed",
            ("Cms:Database:MigrationConnectionString", $"Nonsense=1;Password={Password}"));
        yield return Case("Zero command timeout", "Cms:Database:CommandTimeoutSeconds", ("Cms:Database:CommandTimeoutSeconds", "0"));
        yield return Case("No authority and no signing key", "Cms:Auth", ("Cms:Auth:Authority", null));
        yield return Case("Relative authority", "Cms:Auth:Authority", ("Cms:Auth:Authority", "idp.example"));
        yield return Case("Plain http authority off loopback", "Cms:Auth:Authority", ("Cms:Auth:Authority", "http://idp.example"));
        yield return Case("Sub-second metadata refresh", "Cms:Auth:MetadataRefreshInterval", ("Cms:Auth:MetadataRefreshInterval", "00:00:00.5"));
        yield return Case("Retry interval over the refresh interval", "Cms:Auth:MetadataRetryInterval",
            ("Cms:Auth:MetadataRefreshInterval", "00:01:00"), ("Cms:Auth:MetadataRetryInterval", "00:02:00"));
        yield return Case("Empty tenant claim", "Cms:Auth:TenantClaim", ("Cms:Auth:TenantClaim", " "));
        yield return Case("Short signing key", "Cms:Auth:SigningKey", ("Cms:Auth:Authority", null), ("Cms:Auth:SigningKey", Convert.ToBase64String(new byte[8])));
        yield return Case("No audit key", "Cms:Audit:HmacKey", ("Cms:Audit:HmacKey", null));
        yield return Case("No master key", "Cms:Crypto:MasterKeys", ("Cms:Crypto:MasterKeys:1", null));
        yield return Case("Master key of the wrong size", "Cms:Crypto:MasterKeys:1", ("Cms:Crypto:MasterKeys:1", Convert.ToBase64String(new byte[16])));
        yield return Case("No tenant key vault with PostgreSQL", "Cms:Crypto:TenantKeyVault:Directory", ("Cms:Crypto:TenantKeyVault:Directory", null));
        yield return Case("Zero tenant key cache lifetime", "Cms:Crypto:TenantKeyVault:KeyCacheLifetime",
            ("Cms:Crypto:TenantKeyVault:KeyCacheLifetime", "00:00:00"));
        yield return Case("Active master key version missing", "Cms:Crypto:ActiveMasterKeyVersion", ("Cms:Crypto:ActiveMasterKeyVersion", "7"));
        yield return Case("Zero rate limit", "Cms:RateLimit", ("Cms:RateLimit:PermitsPerSecond", "0"));
        yield return Case("Relative OTLP endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", ("OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector:4318"));
        yield return Case("Unknown OTLP protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"));
        yield return Case("Zero default body limit", "Cms:Limits:MaxBodyBytes", ("Cms:Limits:MaxBodyBytes", "0"));
        yield return Case("Negative endpoint body limit", "Cms:Limits:Endpoints:postComplaints", ("Cms:Limits:Endpoints:postComplaints", "-1"));
        yield return Case("The replaced import limit", "Cms:Limits:Endpoints:postConsumersImports", ("Cms:Import:MaxBytes", "1024"));
        yield return Case("Negative idempotency purge interval", "Cms:Idempotency:PurgeInterval", ("Cms:Idempotency:PurgeInterval", "-00:01:00"));
        yield return Case("Zero idempotency purge batch", "Cms:Idempotency:PurgeBatchSize", ("Cms:Idempotency:PurgeBatchSize", "0"));
        yield return Case("Negative overdue refresh", "Cms:Telemetry:OverdueRefreshInterval", ("Cms:Telemetry:OverdueRefreshInterval", "-00:01:00"));
        yield return Case("Negative telemetry flush timeout", "Cms:Shutdown", ("Cms:Shutdown:TelemetryFlushTimeout", "-00:00:01"));
    }

    [Test]
    public void The_hosts_shutdown_timeout_is_readiness_delay_plus_drain_plus_telemetry_flush()
    {
        var settings = Production();
        settings["Cms:Shutdown:ReadinessDelay"] = "00:00:03";
        settings["Cms:Shutdown:DrainTimeout"] = "00:00:20";
        settings["Cms:Shutdown:TelemetryFlushTimeout"] = "00:00:04";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null));
        builder.AddCmsServices();
        using var services = builder.Services.BuildServiceProvider();

        var host = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value;
        Assert.That(host.ShutdownTimeout, Is.EqualTo(TimeSpan.FromSeconds(27)));
        Assert.That(services.GetRequiredService<ShutdownOptions>().Total, Is.EqualTo(TimeSpan.FromSeconds(27)));
    }

    [TestCaseSource(nameof(Broken))]
    public void A_missing_or_wrong_setting_stops_start_up_with_a_clear_message(Dictionary<string, string?> settings, string expected)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Build(settings));
        Assert.That(ex!.Message, Does.Contain(expected));
        for (var e = (Exception?)ex; e is not null; e = e.InnerException)
        {
            Assert.That(e.Message, Does.Not.Contain(Password), "the connection string's password is never echoed");
            Assert.That(e.Message, Does.Not.Contain(Key32), "keys are never echoed");
        }
    }

    [Test]
    public void A_body_limit_for_an_endpoint_that_does_not_exist_stops_start_up_naming_it()
    {
        var settings = Production();
        settings["Cms:Limits:Endpoints:postComplaints"] = "65536";
        settings["Cms:Limits:Endpoints:postComplaint"] = "65536"; // a typo: would leave the default in force unnoticed
        var ex = Assert.Throws<InvalidOperationException>(() => BuildAndMap(settings));
        Assert.That(ex!.Message, Does.Contain("Cms:Limits:Endpoints names no endpoint: postComplaint ").And.Not.Contain("postComplaints"));

        settings.Remove("Cms:Limits:Endpoints:postComplaint");
        Assert.DoesNotThrow(() => BuildAndMap(settings), "every operationId of the API can be named");
    }

    private static WebApplicationBuilder Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null));
        builder.AddCmsServices();
        return builder;
    }

    /// <summary>Builds the host and maps the routes (nothing is started and no database is contacted).</summary>
    private static void BuildAndMap(Dictionary<string, string?> settings)
    {
        using var app = Build(settings).Build();
        app.MapCms();
    }
}
