using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Events;
using Cms.Application.Queues;
using Cms.Application.Reports;
using Cms.Application.Staff;
using Cms.Application.Taxonomies;
using Cms.Application.Tenants;
using Cms.Application.Webhooks;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Calendar;
using Cms.Infrastructure.Complaints;
using Cms.Infrastructure.Consumers;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Queues;
using Cms.Infrastructure.Resilience;
using Cms.Infrastructure.Staff;
using Cms.Infrastructure.Taxonomies;
using Cms.Infrastructure.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Cms.Infrastructure;

public static class DependencyInjection
{
    /// <summary>The service key of the read replica's <see cref="NpgsqlDataSource"/>.</summary>
    public const string ReadSideKey = "cms-read";

    /// <summary>The data source as the service uses it: the client timeout of its sessions, and Npgsql's spans following
    /// <see cref="DatabaseTelemetry.ShouldTrace"/> (background polling makes no root spans).</summary>
    private static NpgsqlDataSourceBuilder Configured(NpgsqlDataSourceBuilder builder, DatabaseOptions options)
    {
        // The connection's own timeout is the one every statement of a session uses: Npgsql sets the socket's send timeout
        // (a system call) whenever a command's differs from the last one's, and its reset of a pooled connection uses the
        // connection's, so with the default (30 s) every request paid two such calls (docs/performance.md, seventh round).
        builder.ConnectionStringBuilder.CommandTimeout = PostgresSession.ClientTimeoutSeconds(options);
        return builder.ConfigureTracing(t => t
            .ConfigureCommandFilter(_ => DatabaseTelemetry.ShouldTrace)
            .ConfigureBatchFilter(_ => DatabaseTelemetry.ShouldTrace)
            .ConfigureCopyOperationFilter(_ => DatabaseTelemetry.ShouldTrace));
    }

    /// <summary>The database session (one connection and transaction per request scope), repositories and query services.</summary>
    public static IServiceCollection AddCmsInfrastructure(this IServiceCollection services, DatabaseOptions options)
    {
        if (options.Provider != DatabaseProvider.Postgres && !string.IsNullOrWhiteSpace(options.ReadConnectionString))
        {
            throw new InvalidOperationException("Cms:Database:ReadConnectionString (a read replica) is for PostgreSQL only.");
        }

        TypeHandlers.Register();
        services.AddSingleton(options);
        if (options.Provider == DatabaseProvider.Postgres)
        {
            services.AddSingleton(_ =>
            {
                var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
                builder.ConnectionStringBuilder.ApplicationName ??= "cms-api";
                return new PostgresDataSource(Configured(builder, options));
            });
            services.AddSingleton(sp => sp.GetRequiredService<PostgresDataSource>().Source);
            services.AddScoped<DbSession, PostgresSession>();
            services.AddSingleton<MonthlyPartitions>();
            if (!string.IsNullOrWhiteSpace(options.ReadConnectionString))
            {
                services.AddKeyedSingleton(ReadSideKey, (_, _) =>
                {
                    var builder = new NpgsqlDataSourceBuilder(options.ReadConnectionString);
                    builder.ConnectionStringBuilder.ApplicationName ??= "cms-api-read";
                    return new PostgresDataSource(Configured(builder, options));
                });
                services.AddKeyedSingleton(ReadSideKey, (sp, key) => sp.GetRequiredKeyedService<PostgresDataSource>(key).Source);
                services.AddScoped(sp => new ReplicaSession(PostgresSession.ReadOnly(
                    sp.GetRequiredKeyedService<PostgresDataSource>(ReadSideKey), sp.GetRequiredService<TenantScope>(),
                    sp.GetRequiredService<UseCaseScope>(), options)));
                services.AddScoped(sp => new QuerySession(sp.GetRequiredService<DbSession>(), sp.GetRequiredService<ReplicaSession>()));
            }
        }
        else
        {
            services.AddScoped<DbSession, SqliteSession>();
        }

        services.TryAddScoped(sp => new QuerySession(sp.GetRequiredService<DbSession>()));

        services.AddScoped<IUnitOfWork>(sp => sp.GetRequiredService<DbSession>());
        services.AddSingleton<DatabasePing>();
        services.TryAddSingleton(new ResilienceOptions());
        services.AddSingleton<DatabaseResilience>();
        services.AddSingleton<TenantWork>();
        services.AddSingleton<OverdueComplaintCounter>();
        services.AddSingleton<Idempotency.IdempotencyPurger>();
        services.AddSingleton<Instances.InstanceRegistry>();
        services.AddSingleton<ReferenceCache>();
        services.AddSingleton<Staff.CallerCache>();
        services.AddScoped<ReferenceStamp>();
        services.AddScoped<LockedRows>();
        services.AddScoped<ITenantRepository, TenantRepository>();
        services.AddScoped<IStaffRepository, StaffRepository>();
        services.AddScoped<IQueueRepository, QueueRepository>();
        services.AddScoped<IQueueQueries, QueueQueries>();
        services.AddScoped<Application.LegalEntities.ILegalEntityRepository, LegalEntities.LegalEntityRepository>();
        services.AddScoped<Application.LegalEntities.ILegalEntityQueries, LegalEntities.LegalEntityQueries>();
        services.AddScoped<Application.Reports.FcaReturn.IFcaReturnQueries, Reports.FcaReturnQueries>();
        services.AddScoped<Application.Reports.ReturnMappings.IReturnMappingStore, Reports.ReturnMappingStore>();
        services.AddScoped<Application.Reports.DotDisability.IDotDisabilityQueries, Reports.DotDisabilityQueries>();
        services.AddScoped<Application.Reports.FcaReturn.TakeFcaReturnSnapshot.IFcaReturnSnapshotStore, Reports.FcaReturnSnapshotStore>();
        services.TryAddSingleton(new TenantKeyVaultOptions()); // the host registers Cms:Crypto:TenantKeyVault before this
        services.TryAddSingleton<ITenantKeyVault>(sp => new FileTenantKeyVault(
            sp.GetRequiredService<TenantKeyVaultOptions>().Directory
                ?? throw new InvalidOperationException($"{TenantKeyVaultOptions.Section}:Directory is not set."),
            sp.GetRequiredService<IMasterKeyProvider>()));
        services.AddSingleton<TenantKeyWrapping>();
        services.AddSingleton<TenantKeyCache>();
        services.AddSingleton<MasterKeyRotation>();
        services.AddScoped<ConsumerKeyring>();
        services.AddScoped<ConsumerSealing>();
        services.AddScoped<ConsumerTextKeys>();
        services.AddScoped<Privacy.FreeTextConverter>();
        services.AddSingleton<Privacy.FreeTextConversion>();
        services.AddScoped<Privacy.ComplaintKeywords>();
        services.AddScoped<IConsumerRepository, ConsumerRepository>();
        services.AddScoped<IConsumerBulkWriter, ConsumerBulkWriter>();
        services.AddSingleton<CitusDetection>();
        services.AddScoped<IComplaintRepository, ComplaintRepository>();
        services.AddScoped<Audit.AuditValueSealing>();
        services.AddScoped<IAuditRepository, Audit.AuditRepository>();
        services.AddSingleton<Audit.ChangeSealer>();
        services.AddSingleton<Audit.ChangeSealerSignal>();
        services.AddSingleton<Complaints.ReferenceBlocks>();
        services.AddScoped<TenantClockRepository>();
        services.AddScoped<ITenantClockRepository>(sp => sp.GetRequiredService<TenantClockRepository>());
        services.AddScoped<Cms.Application.Calendar.ICalendarQueries>(sp => sp.GetRequiredService<TenantClockRepository>());
        services.AddScoped<ITenantQueries, TenantQueries>();
        services.AddScoped<Application.PlatformAudit.IPlatformAuditLog, PlatformAudit.PlatformAuditLog>();
        services.AddScoped<ITenantOffboardings, Offboarding.TenantOffboardingStore>();
        services.AddSingleton<Offboarding.OffboardingSignal>();
        services.TryAddSingleton(new Offboarding.OffboardingOptions()); // defaults; the host registers Cms:Offboarding before this
        services.TryAddSingleton(new Retention.RetentionOptions()); // likewise Cms:Retention
        services.AddSingleton<Offboarding.TenantOffboardingRunner>();
        services.AddSingleton<ITenantExporter, Offboarding.TenantExporter>();
        services.AddScoped<IStaffQueries, StaffQueries>();
        services.AddScoped<IConsumerQueries, ConsumerQueries>();
        services.AddScoped<IComplaintQueries, ComplaintQueries>();
        services.AddScoped<IAuditQueries, AuditQueries>();
        services.AddScoped<IAuditChainReader, AuditChainReader>();
        services.AddScoped<ITaxonomyRepository, TaxonomyRepository>();
        services.AddScoped<ITaxonomyQueries, TaxonomyQueries>();
        services.AddSingleton<Cms.Application.Letters.ILetterEngine, LetterTemplates.FluidLetterEngine>();
        services.AddScoped<Cms.Application.Letters.ILetterTemplateRepository, LetterTemplates.LetterTemplateRepository>();
        services.AddScoped<Cms.Application.Letters.ILetterRepository, Letters.LetterRepository>();
        services.AddScoped<Cms.Application.DeadlineAlerts.IDeadlineAlertStore, DeadlineAlerts.DeadlineAlertStore>();
        services.AddSingleton<DeadlineAlerts.DeadlineAlertScheduler>();
        services.AddScoped<Cms.Application.Retention.IRetentionStore, Retention.RetentionStore>();
        services.AddSingleton<Retention.RetentionRunner>();
        services.AddScoped<IComplaintReportQueries, ComplaintReportQueries>();
        services.AddScoped<IIdempotencyStore, Idempotency.IdempotencyStore>();
        services.AddScoped<IEventOutbox, Events.EventOutbox>();
        services.AddScoped<IEventQueries>(sp => new Events.EventQueries(sp.GetRequiredService<DbSession>(), sp.GetRequiredService<TenantScope>(),
            sp.GetRequiredService<Audit.ChangeSealer>()));
        services.AddSingleton<Webhooks.WebhookSecrets>();
        services.AddScoped<IWebhookRepository, Webhooks.WebhookRepository>();
        services.AddScoped<IWebhookQueries, Webhooks.WebhookQueries>();
        services.AddSingleton<Webhooks.WebhookDispatcher>(); // needs WebhookOptions from the host's configuration
        return services;
    }
}
