using System.Text.Json;
using Cms.Api.Auth;
using Cms.Api.Endpoints;
using Cms.Api.Http;
using Cms.Api.Http.RateLimits;
using Cms.Api.Maintenance;
using Cms.Application;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Webhooks;
using Cms.Infrastructure;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Resilience;
using Cms.Migrations;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

namespace Cms.Api;

/// <summary>The host's composition: services, middleware and routes. Program.cs only chooses between serving and the CLI.</summary>
public static class CmsApi
{
    public static void AddCmsServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        StartupSettings.Validate(configuration);
        var database = LoadDatabase(configuration);
        var auth = LoadAuth(configuration, database);
        var telemetry = StartupSettings.LoadTelemetry(configuration);

        services.AddCmsApplication();
        services.AddSingleton(LoadAuditKey(configuration, database));
        services.AddSingleton(LoadMasterKeys(configuration, database));
        services.AddSingleton(StartupSettings.LoadTenantKeyVault(configuration, database));
        services.AddSingleton(LoadResilience(configuration));
        services.AddSingleton(StartupSettings.LoadOffboarding(configuration));
        services.AddSingleton(StartupSettings.LoadRetention(configuration));
        services.AddCmsInfrastructure(database);
        services.AddCmsMediator();
        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentPrincipal, HttpPrincipal>();
        if (database.Provider == DatabaseProvider.Postgres)
        {
            var partitionOptions = configuration.GetSection(MonthlyPartitionOptions.Section).Get<MonthlyPartitionOptions>() ?? new MonthlyPartitionOptions();
            if (partitionOptions.PartitionMonthsAhead is < 0 or > 24 || partitionOptions.PartitionCheckInterval <= TimeSpan.Zero)
            {
                throw new InvalidOperationException(
                    "Cms:Audit:PartitionMonthsAhead must be 0–24 and Cms:Audit:PartitionCheckInterval positive.");
            }

            services.AddSingleton(partitionOptions);
            services.AddHostedService<MonthlyPartitionJob>();
            var sealerOptions = configuration.GetSection(ChangeSealerOptions.Section).Get<ChangeSealerOptions>() ?? new ChangeSealerOptions();
            if (sealerOptions.SweepInterval <= TimeSpan.Zero || sealerOptions.BusyRetry <= TimeSpan.Zero || sealerOptions.SignalPause < TimeSpan.Zero)
            {
                throw new InvalidOperationException("Cms:Sealer:SweepInterval and Cms:Sealer:BusyRetry must be positive, Cms:Sealer:SignalPause not negative.");
            }

            services.AddSingleton(sealerOptions);
            services.AddHostedService<ChangeSealerWorker>();
        }

        services.AddSingleton<Import.ConsumerImporter>();
        services.AddSingleton(LoadWebhooks(configuration, builder.Environment));
        services.AddHostedService<WebhookDeliveryWorker>();
        var alertOptions = configuration.GetSection(DeadlineAlertOptions.Section).Get<DeadlineAlertOptions>() ?? new DeadlineAlertOptions();
        if (alertOptions.Interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Cms:DeadlineAlerts:Interval must be positive.");
        }

        services.AddSingleton(alertOptions);
        services.AddHostedService<DeadlineAlertWorker>();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section))
            .Validate(o => o.Retention > TimeSpan.Zero, "Cms:Idempotency:Retention must be positive.")
            .Validate(o => o.PurgeInterval >= TimeSpan.Zero, "Cms:Idempotency:PurgeInterval must not be negative (zero turns the purge off).")
            .Validate(o => o.PurgeBatchSize is >= 1 and <= 100_000, "Cms:Idempotency:PurgeBatchSize must be 1–100000.").ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdempotencyOptions>>().Value);
        services.AddSingleton(sp => new IdempotentAnswerFormat(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions));
        services.AddHostedService<IdempotencyPurgeWorker>();
        services.AddHostedService<TenantOffboardingWorker>();
        services.AddHostedService<RetentionWorker>();

        // Each endpoint's body limit is set per request (BodyLimits); Kestrel's is the default, for requests no endpoint matches.
        var bodyLimits = LoadBodyLimits(configuration);
        services.AddSingleton(bodyLimits);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = bodyLimits.MaxBodyBytes);
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<UnexpectedErrorHandler>();

        services.AddCmsBearerAuthentication(auth);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddTenantRateLimiting(configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions());
        services.AddOpenApi(o =>
        {
            o.AddSchemaTransformer(OpenApiEnums.Describe);
            o.AddSchemaTransformer(OpenApiSchemaRules.Apply);
            o.AddDocumentTransformer(OpenApiSchemaRules.DropNullOfRequired);
            OpenApiContract.Configure(o);
        });
        services.AddSingleton<MigrationsHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"])
            .AddCheck<TenantKeyVaultHealthCheck>(TenantKeyVaultHealthCheck.Name, tags: ["ready"]);
        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            services.AddHealthChecks().AddCheck<IdentityProviderHealthCheck>(IdentityProviderHealthCheck.Name, tags: ["ready"]);
        }

        AddGracefulShutdown(services, configuration);

        services.AddSingleton(telemetry);
        services.AddSingleton<OverdueComplaintsGauge>();
        services.AddHostedService(sp => sp.GetRequiredService<OverdueComplaintsGauge>());
        builder.AddCmsTelemetry(database, telemetry);
    }

    /// <summary>The API's JSON settings over ASP.NET Core's web defaults (also what <see cref="ComplaintListJson"/> is tested against).</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new WireEnumConverterFactory());
        options.MaxDepth = 32;
    }

    /// <summary>Readiness turns unhealthy first on SIGTERM, then requests in flight drain (<see cref="ShutdownReadiness"/>).</summary>
    private static void AddGracefulShutdown(IServiceCollection services, IConfiguration configuration)
    {
        var shutdown = configuration.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>() ?? new ShutdownOptions();
        if (shutdown.ReadinessDelay < TimeSpan.Zero || shutdown.DrainTimeout <= TimeSpan.Zero || shutdown.TelemetryFlushTimeout < TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"{ShutdownOptions.Section}: ReadinessDelay and TelemetryFlushTimeout must not be negative and DrainTimeout must be positive.");
        }

        services.AddSingleton(shutdown);
        services.AddSingleton<ShutdownReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownReadiness>());
        services.AddHealthChecks().AddCheck<ShutdownReadiness>("shutdown", tags: ["ready"]);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown.Total);
    }

    public static AuthOptions LoadAuth(IConfiguration configuration, DatabaseOptions database) =>
        (configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions())
        .WithLocalDefaults(database.Provider == DatabaseProvider.Sqlite);

    /// <summary>Development default for the audit chain's HMAC key: used only on SQLite when none is configured (README).</summary>
    public const string DevelopmentAuditKey = "Y21zLWxvY2FsLWRldmVsb3BtZW50LWF1ZGl0LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=";

    public static AuditChainKey LoadAuditKey(IConfiguration configuration, DatabaseOptions database)
    {
        var configured = configuration["Cms:Audit:HmacKey"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            configured = database.Provider == DatabaseProvider.Sqlite
                ? DevelopmentAuditKey
                : throw new InvalidOperationException("Cms:Audit:HmacKey (base64, at least 32 bytes) is required with PostgreSQL.");
        }

        try
        {
            return new AuditChainKey(Convert.FromBase64String(configured));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new InvalidOperationException("Cms:Audit:HmacKey must be base64 of at least 32 bytes.", ex);
        }
    }

    /// <summary>Development default master key (32 bytes): used only on SQLite when none is configured (README).</summary>
    public const string DevelopmentMasterKey = "Y21zLWxvY2FsLWRldmVsb3BtZW50LW1hc3Rlci1rZXk=";

    public const string DevelopmentMasterKeyVersion = "dev";

    /// <summary>
    /// The master keys that wrap the tenant keys: <c>Cms:Crypto:MasterKeys:&lt;version&gt;</c> (base64 of 32 bytes) and
    /// <c>Cms:Crypto:ActiveMasterKeyVersion</c> (may be left out when exactly one version is configured). On SQLite with
    /// nothing configured a development key is used; on PostgreSQL a missing key stops start-up. Keys are never logged.
    /// </summary>
    public static IMasterKeyProvider LoadMasterKeys(IConfiguration configuration, DatabaseOptions database)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection("Cms:Crypto:MasterKeys").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(child.Value))
            {
                continue;
            }

            byte[] key;
            try
            {
                key = Convert.FromBase64String(child.Value);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"Cms:Crypto:MasterKeys:{child.Key} must be base64 of 32 bytes.", ex);
            }

            if (key.Length != 32)
            {
                throw new InvalidOperationException($"Cms:Crypto:MasterKeys:{child.Key} must be base64 of 32 bytes.");
            }

            keys[child.Key] = key;
        }

        if (keys.Count == 0)
        {
            if (database.Provider != DatabaseProvider.Sqlite)
            {
                throw new InvalidOperationException(
                    "Cms:Crypto:MasterKeys:<version> (base64 of 32 bytes) and Cms:Crypto:ActiveMasterKeyVersion are required with PostgreSQL: " +
                    "the master key wraps every tenant's key for the consumers' personal data.");
            }

            keys[DevelopmentMasterKeyVersion] = Convert.FromBase64String(DevelopmentMasterKey);
        }

        var active = configuration["Cms:Crypto:ActiveMasterKeyVersion"];
        if (string.IsNullOrWhiteSpace(active))
        {
            active = keys.Count == 1
                ? keys.Keys.Single()
                : throw new InvalidOperationException("Cms:Crypto:ActiveMasterKeyVersion is required when several master keys are configured.");
        }

        if (!keys.ContainsKey(active))
        {
            throw new InvalidOperationException($"Cms:Crypto:ActiveMasterKeyVersion names version '{active}', which Cms:Crypto:MasterKeys does not hold.");
        }

        return new ConfiguredMasterKeyProvider(keys, active);
    }

    /// <summary>
    /// Webhook settings (<c>Cms:Webhooks</c>). <c>AllowLoopback</c> (http to this machine) is for development and tests:
    /// it is refused in the Production environment, where only https to public addresses is delivered to.
    /// </summary>
    public static WebhookOptions LoadWebhooks(IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        if (options.AllowLoopback && environment.IsProduction())
        {
            throw new InvalidOperationException("Cms:Webhooks:AllowLoopback is for development and tests; it cannot be set in Production.");
        }

        if (options.AttemptsPerPass < 1 || options.MaxFailedPasses < 1 || options.BatchSize < 1 || options.PollInterval <= TimeSpan.Zero
            || options.LeaseDuration <= TimeSpan.Zero || options.AttemptTimeout <= TimeSpan.Zero || options.BackoffBase <= TimeSpan.Zero
            || options.BackoffMax < options.BackoffBase)
        {
            throw new InvalidOperationException("Cms:Webhooks: counts and durations must be positive, and BackoffMax at least BackoffBase.");
        }

        return options;
    }

    /// <summary><c>Cms:Resilience</c> (docs/reliability.md); an invalid value stops start-up.</summary>
    public static ResilienceOptions LoadResilience(IConfiguration configuration)
    {
        var options = configuration.GetSection(ResilienceOptions.Section).Get<ResilienceOptions>() ?? new ResilienceOptions();
        return options.Validate() is { } error ? throw new InvalidOperationException(error) : options;
    }

    /// <summary><c>Cms:Limits</c> (request body limits per endpoint); an invalid value stops start-up.</summary>
    public static BodyLimitOptions LoadBodyLimits(IConfiguration configuration)
    {
        if (configuration["Cms:Import:MaxBytes"] is not null)
        {
            throw new InvalidOperationException("Cms:Import:MaxBytes was replaced by Cms:Limits:Endpoints:postConsumersImports.");
        }

        var options = configuration.GetSection(BodyLimitOptions.Section).Get<BodyLimitOptions>() ?? new BodyLimitOptions();
        return options.Validate() is { } error ? throw new InvalidOperationException(error) : options;
    }

    public static DatabaseOptions LoadDatabase(IConfiguration configuration) =>
        configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();

    public static void MapCms(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBodyLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseIdempotencyBodyBuffering();

        app.MapOpenApi().AllowAnonymous();
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>("Cms:ApiReference:Enabled"))
        {
            // The interactive reference over /openapi/v1.json: on in Development, off elsewhere unless enabled.
            app.MapScalarApiReference("/docs", o => o
                    .WithTitle("Complaint Management Service")
                    .AddPreferredSecuritySchemes(OpenApiContract.BearerScheme))
                .AllowAnonymous();
        }
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = ReadinessResponse.WriteAsync,
        }).AllowAnonymous()
            .DisableRateLimiting();

        // Every API route runs as one retried unit of database work (DatabaseRetryFilter, outermost of its filters).
        // Every bound argument of every route obeys the input rule (InputGuardFilter: no NUL, dates the product computes);
        // every 2xx answer with a versioned resource gets its ETag (Responses.ETagFilter).
        var api = app.MapGroup("").AddEndpointFilter<DatabaseRetryFilter>().WithMetadata(new DatabaseRetryFilter.Applied())
            .AddEndpointFilterFactory(InputGuardFilter.Create).AddEndpointFilter(Responses.ETagFilter);
        api.MapTenantEndpoints();
        api.MapStaffEndpoints();
        api.MapQueueEndpoints();
        api.MapLegalEntityEndpoints();
        api.MapConsumerEndpoints();
        api.MapComplaintEndpoints();
        api.MapAuditEndpoints();
        api.MapTaxonomyEndpoints();
        api.MapLetterEndpoints();
        api.MapReportEndpoints();
        api.MapFcaReturnEndpoints();
        api.MapDotReportEndpoints();
        api.MapCalendarEndpoints();
        api.MapRetentionEndpoints();
        api.MapEventEndpoints();
        api.MapWebhookEndpoints();
        BodyLimits.ValidateEndpointNames(app);
    }

    /// <summary>SQLite migrates itself at start-up; PostgreSQL only when an owner connection is configured.</summary>
    public static void MigrateDatabase(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<DatabaseOptions>();
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            CmsMigrator.MigrateUp("sqlite", database.ConnectionString);
        }
        else if (!string.IsNullOrWhiteSpace(database.MigrationConnectionString))
        {
            CmsMigrator.MigrateUp("postgres", database.MigrationConnectionString);
        }
    }
}
