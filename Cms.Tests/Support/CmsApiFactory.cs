using System.Net.Http.Headers;
using Cms.Api.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Cms.Tests.Support;

/// <summary>The real service in memory (WebApplicationFactory) on a real test database, with a test signing key.</summary>
public sealed class CmsApiFactory(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public static readonly AuthOptions Auth = new()
    {
        Issuer = "cms-tests",
        Audience = "cms",
        SigningKey = Convert.ToBase64String("cms-tests-signing-key-0123456789-abcdef"u8.ToArray()),
    };

    public static readonly string AuditKey = Convert.ToBase64String("cms-tests-audit-chain-key-0123456789-abcdef"u8.ToArray());

    /// <summary>The master key the tests run with (version "1"); a fixture may add versions through its settings.</summary>
    public static readonly string MasterKey = Convert.ToBase64String("cms-tests-master-key-0123456789a"u8.ToArray());

    public TestDatabase Database => database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Cms:Database:Provider", database.Kind.ToString());
        builder.UseSetting("Cms:Database:ConnectionString", database.AppConnectionString);
        if (settings?.ContainsKey("Cms:Auth:Authority") != true)
        {
            // Locally signed tokens; a service that trusts an OpenID Connect provider gets only its authority and audience.
            builder.UseSetting("Cms:Auth:Issuer", Auth.Issuer);
            builder.UseSetting("Cms:Auth:Audience", Auth.Audience);
            builder.UseSetting("Cms:Auth:SigningKey", Auth.SigningKey);
        }

        builder.UseSetting("Cms:Audit:HmacKey", AuditKey);
        builder.UseSetting("Cms:Crypto:MasterKeys:1", MasterKey);
        builder.UseSetting("Cms:Crypto:ActiveMasterKeyVersion", "1");
        if (database.Kind == DatabaseKind.Postgres)
        {
            // Shared by every instance on this database; on SQLite the service's own default (next to the file) is used.
            builder.UseSetting("Cms:Crypto:TenantKeyVault:Directory", database.KeyVaultDirectory);
        }

        // Tests fire bursts far beyond a tenant's production rate; the rate-limit tests set their own limits.
        builder.UseSetting("Cms:RateLimit:PermitsPerSecond", "1000000");
        builder.UseSetting("Cms:RateLimit:Burst", "1000000");

        // In memory no load balancer watches readiness: stop at once (the SIGTERM test runs a real process with a delay).
        builder.UseSetting("Cms:Shutdown:ReadinessDelay", "00:00:00");

        // Webhook deliveries are driven by the tests themselves (WebhookDispatcher.RunOnceAsync), step by step; the
        // delivery tests that exercise the background worker turn it on in their settings.
        builder.UseSetting("Cms:Webhooks:DeliveryEnabled", "false");

        // Deadline alerts are emitted by the tests that are about them (DeadlineAlertScheduler.RunOnceAsync on a fake
        // clock): on the wall clock they would add events to every other test's feed.
        builder.UseSetting("Cms:DeadlineAlerts:Enabled", "false");

        // Likewise the retention job: the retention tests run it on a fake clock (RetentionRunner.RunOnceAsync).
        builder.UseSetting("Cms:Retention:Enabled", "false");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    public static string TenantToken(Guid tenantId, string subject) =>
        TokenIssuer.Issue(Auth, subject, tenantId, platform: false, TimeSpan.FromHours(1));

    public static string PlatformToken(string subject = "platform-operator") =>
        TokenIssuer.Issue(Auth, subject, null, platform: true, TimeSpan.FromHours(1));

    public HttpClient ClientWithToken(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }
}
