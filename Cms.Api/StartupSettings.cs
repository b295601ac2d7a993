using Cms.Api.Http.RateLimits;
using Cms.Infrastructure.Persistence;

namespace Cms.Api;

/// <summary>
/// Checks the settings that the service cannot run without, before anything starts, and stops with one clear sentence
/// naming the setting (never its value when it may be secret: connection strings and keys are not echoed).
/// The key settings (<c>Cms:Audit:HmacKey</c>, <c>Cms:Crypto:*</c>) are checked where they are loaded (<see cref="CmsApi"/>).
/// </summary>
public static class StartupSettings
{
    public static void Validate(IConfiguration configuration)
    {
        var providerText = configuration["Cms:Database:Provider"];
        if (!string.IsNullOrWhiteSpace(providerText) && !Enum.TryParse<DatabaseProvider>(providerText, ignoreCase: true, out _))
        {
            throw Invalid($"Cms:Database:Provider must be Sqlite or Postgres, not '{providerText}'.");
        }

        var database = CmsApi.LoadDatabase(configuration);
        ValidateConnectionString(database.Provider, database.ConnectionString, "Cms:Database:ConnectionString", required: true);
        ValidateConnectionString(database.Provider, database.MigrationConnectionString, "Cms:Database:MigrationConnectionString", required: false);
        ValidateConnectionString(database.Provider, configuration["Cms:Database:ReadConnectionString"], "Cms:Database:ReadConnectionString", required: false);
        if (database.CommandTimeoutSeconds <= 0)
        {
            throw Invalid("Cms:Database:CommandTimeoutSeconds must be a positive number of seconds.");
        }

        var auth = CmsApi.LoadAuth(configuration, database);
        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            if (auth.AuthorityError() is { } authError)
            {
                throw Invalid(authError);
            }
        }
        else
        {
            _ = auth.SigningKeyBytes(); // throws with the setting's name when missing, not base64 or too short
        }

        if (string.IsNullOrWhiteSpace(auth.Audience))
        {
            throw Invalid("Cms:Auth:Audience must not be empty.");
        }

        var rate = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (rate.Validate() is { } rateError)
        {
            throw Invalid(rateError);
        }

        var idempotency = configuration.GetSection(Application.Abstractions.IdempotencyOptions.Section).Get<Application.Abstractions.IdempotencyOptions>() ?? new Application.Abstractions.IdempotencyOptions();
        if (idempotency.PurgeInterval < TimeSpan.Zero)
        {
            throw Invalid("Cms:Idempotency:PurgeInterval must be zero (off) or a positive time span such as 00:15:00.");
        }

        if (idempotency.PurgeBatchSize is < 1 or > 100_000)
        {
            throw Invalid("Cms:Idempotency:PurgeBatchSize must be 1–100000.");
        }

        var telemetry = LoadTelemetry(configuration);
        if (telemetry.OverdueRefreshInterval < TimeSpan.Zero)
        {
            throw Invalid("Cms:Telemetry:OverdueRefreshInterval must be zero (off) or a positive time span such as 00:01:00.");
        }

        var endpoint = configuration[ServiceTelemetry.OtlpEndpointVariable];
        if (!string.IsNullOrWhiteSpace(endpoint)
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw Invalid($"{ServiceTelemetry.OtlpEndpointVariable} must be an absolute http(s) URL such as http://otel-collector:4318.");
        }

        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"];
        if (!string.IsNullOrWhiteSpace(protocol) && protocol.Trim() is not ("grpc" or "http/protobuf"))
        {
            throw Invalid($"OTEL_EXPORTER_OTLP_PROTOCOL must be grpc or http/protobuf, not '{protocol}'.");
        }
    }

    public static TelemetryOptions LoadTelemetry(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    /// <summary><c>Cms:Retention</c> (the retention job, docs/adr/0019-retention-schedules.md); an invalid value stops start-up.</summary>
    public static Cms.Infrastructure.Retention.RetentionOptions LoadRetention(IConfiguration configuration)
    {
        var options = configuration.GetSection(Cms.Infrastructure.Retention.RetentionOptions.Section).Get<Cms.Infrastructure.Retention.RetentionOptions>()
            ?? new Cms.Infrastructure.Retention.RetentionOptions();
        if (options.BatchSize is < 1 or > 1000 || options.MaxBatchesPerTenant < 1 || options.LeaseDuration <= TimeSpan.Zero
            || options.Interval <= TimeSpan.Zero)
        {
            throw Invalid("Cms:Retention:BatchSize must be 1–1000, MaxBatchesPerTenant at least 1, LeaseDuration and Interval positive.");
        }

        return options;
    }

    /// <summary><c>Cms:Offboarding</c> (tenant deletion, docs/adr/0018-tenant-offboarding.md); an invalid value stops start-up.</summary>
    public static Cms.Infrastructure.Offboarding.OffboardingOptions LoadOffboarding(IConfiguration configuration)
    {
        var options = configuration.GetSection(Cms.Infrastructure.Offboarding.OffboardingOptions.Section).Get<Cms.Infrastructure.Offboarding.OffboardingOptions>()
            ?? new Cms.Infrastructure.Offboarding.OffboardingOptions();
        if (options.BatchSize is < 1 or > 10_000 || options.LeaseDuration <= TimeSpan.Zero || options.SweepInterval <= TimeSpan.Zero)
        {
            throw Invalid("Cms:Offboarding:BatchSize must be 1–10000, LeaseDuration and SweepInterval positive.");
        }

        return options;
    }

    /// <summary>
    /// The tenant key vault (<c>Cms:Crypto:TenantKeyVault</c>; docs/adr/0021-tenant-keys-outside-the-database.md). On SQLite
    /// with no directory configured it lives next to the database file (<c>&lt;file&gt;.tenant-keys</c>), so <c>dotnet run</c>
    /// needs no setting; on PostgreSQL the directory is required (several instances must share it, and it is backed up and
    /// destroyed apart from the database).
    /// </summary>
    public static Cms.Infrastructure.Crypto.TenantKeyVaultOptions LoadTenantKeyVault(IConfiguration configuration, DatabaseOptions database)
    {
        const string Section = Cms.Infrastructure.Crypto.TenantKeyVaultOptions.Section;
        var options = configuration.GetSection(Section).Get<Cms.Infrastructure.Crypto.TenantKeyVaultOptions>()
            ?? new Cms.Infrastructure.Crypto.TenantKeyVaultOptions();
        if (options.KeyCacheLifetime <= TimeSpan.Zero)
        {
            throw Invalid($"{Section}:KeyCacheLifetime must be positive.");
        }

        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            options.Directory = Cms.Infrastructure.Crypto.TenantKeyVaultOptions.DefaultDirectory(database)
                ?? throw Invalid($"{Section}:Directory (the tenant key vault, outside the database) is required with " +
                    (database.Provider == DatabaseProvider.Sqlite ? "an in-memory SQLite database." : "PostgreSQL: every instance must see the same directory."));
        }

        return options;
    }

    private static void ValidateConnectionString(DatabaseProvider provider, string? value, string setting, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                throw Invalid($"{setting} is required.");
            }

            return;
        }

        DatabaseSettings.CheckConnectionString(provider, value, setting);
    }

    private static InvalidOperationException Invalid(string message) => new(message);
}
