using System.Text.Json;
using Cms.Api.Auth;
using Cms.Api.Endpoints;
using Cms.Api.Http;
using Cms.Application;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Infrastructure;
using Cms.Infrastructure.Persistence;
using Cms.Migrations;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.IdentityModel.Tokens;
using OpenTelemetry.Trace;

namespace Cms.Api;

/// <summary>The host's composition: services, middleware and routes. Program.cs only chooses between serving and the CLI.</summary>
public static class CmsApi
{
    public const long DefaultMaxBodyBytes = 128 * 1024;

    public static void AddCmsServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        var database = LoadDatabase(configuration);
        var auth = LoadAuth(configuration, database);

        services.AddCmsApplication();
        services.AddSingleton(LoadAuditKey(configuration, database));
        services.AddCmsInfrastructure(database);
        services.AddCmsMediator();
        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentPrincipal, HttpPrincipal>();

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = DefaultMaxBodyBytes);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new WireEnumConverterFactory());
            o.SerializerOptions.MaxDepth = 32;
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<UnexpectedErrorHandler>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            if (!string.IsNullOrWhiteSpace(auth.Authority))
            {
                o.Authority = auth.Authority;
                o.Audience = auth.Audience;
            }
            else
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(auth.SigningKeyBytes()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            }
        });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddTenantRateLimiting(configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions());
        services.AddOpenApi(o => o.AddSchemaTransformer(OpenApiEnums.Describe));
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        services.AddOpenTelemetry().WithTracing(t =>
        {
            t.AddSource(Telemetry.SourceName).AddAspNetCoreInstrumentation();
            if (database.Provider == DatabaseProvider.Postgres)
            {
                t.AddSource("Npgsql"); // Npgsql's own ActivitySource: a span per database command
            }

            if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                t.AddOtlpExporter();
            }
        });
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

    public static DatabaseOptions LoadDatabase(IConfiguration configuration) =>
        configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();

    public static void MapCms(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOpenApi().AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous()
            .DisableRateLimiting();

        app.MapTenantEndpoints();
        app.MapStaffEndpoints();
        app.MapConsumerEndpoints();
        app.MapComplaintEndpoints();
        app.MapAuditEndpoints();
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
