using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Support;

/// <summary>
/// Base of the HTTP API tests: a database and an in-memory service (each concrete fixture runs on SQLite and on
/// PostgreSQL), the database reset before every test, and helpers that build tenants and their staff through the API
/// itself. A fixture that runs the service as it is shares the run's one service of its kind (<see cref="SharedServices"/>);
/// one with settings, a database or a start-up step of its own (it overrides <see cref="Settings"/>,
/// <see cref="CreateDatabaseAsync"/> or <see cref="BeforeServiceStartsAsync"/>) gets a database and a service of its own.
/// </summary>
public abstract class ApiTestBase(DatabaseKind kind)
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    protected DatabaseKind Kind => kind;

    protected TestDatabase Db { get; private set; } = null!;

    protected CmsApiFactory Factory { get; private set; } = null!;

    protected HttpClient Platform { get; private set; } = null!;

    /// <summary>Configuration a fixture's service runs with, on top of the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    /// <summary>Runs once the database exists and before the service is built (e.g. to start a replica of it).</summary>
    protected virtual Task BeforeServiceStartsAsync() => Task.CompletedTask;

    /// <summary>The fixture's database: a fresh one of <see cref="Kind"/> unless a fixture brings its own (the Citus suite).</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.CreateAsync(kind);

    private bool _ownService;

    [OneTimeSetUp]
    public async Task StartServiceAsync()
    {
        _ownService = HasAServiceOfItsOwn(GetType());
        if (_ownService)
        {
            Db = await CreateDatabaseAsync();
            await BeforeServiceStartsAsync();
            Factory = new CmsApiFactory(Db, Settings);
        }
        else
        {
            (Db, Factory) = await SharedServices.ForAsync(kind);
        }

        Platform = Factory.ClientWithToken(CmsApiFactory.PlatformToken());
    }

    /// <summary>Whether the fixture overrides what its database or service is, so that the shared one would not be it.</summary>
    private static bool HasAServiceOfItsOwn(Type fixture)
    {
        const System.Reflection.BindingFlags Members = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic;
        return new[] { "get_" + nameof(Settings), nameof(CreateDatabaseAsync), nameof(BeforeServiceStartsAsync) }
            .Any(name => fixture.GetMethod(name, Members, Type.EmptyTypes)!.DeclaringType != typeof(ApiTestBase));
    }

    [SetUp]
    public Task ResetDatabaseAsync() => Db.ResetAsync();

    /// <summary>Seals the tenant's committed changes now: on PostgreSQL the service links audit entries and places events
    /// a moment after commit; a test reading links or chain heads straight from the database waits for that here.</summary>
    protected Task SealAsync(Guid tenantId) =>
        Factory.Services.GetRequiredService<Cms.Infrastructure.Audit.ChangeSealer>().SealAsync(tenantId, waitForTurn: true, CancellationToken.None);

    [OneTimeTearDown]
    public async Task StopServiceAsync()
    {
        Platform?.Dispose();
        if (!_ownService)
        {
            return; // the shared service and its database stop after the run's last test
        }

        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (Db is not null)
        {
            await Db.DisposeAsync();
        }
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new WireEnumConverterFactory());
        return options;
    }

    /// <summary>Creates a tenant (UK bank by default) and returns it with a client for its first tenant admin.</summary>
    protected async Task<TestTenant> CreateTenantAsync(string name = "Acme Bank", string sector = "banking", string jurisdiction = "UK")
    {
        var admin = $"admin-{Guid.NewGuid():N}";
        var response = await Platform.PostAsJsonAsync("/v1/tenants", new
        {
            name,
            sector,
            jurisdiction,
            admin = new { subject = admin, email = $"{admin}@example.test", displayName = "Tenant Admin" },
        });
        await Expect(response, HttpStatusCode.Created);
        var tenant = (await response.Content.ReadFromJsonAsync<TenantDto>(Json))!;
        return new TestTenant(this, tenant, Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, admin)));
    }

    public static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static async Task<T> Read<T>(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        await Expect(response, status);
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    public sealed record TestTenant(ApiTestBase Test, TenantDto Tenant, HttpClient Admin)
    {
        public Guid Id => Tenant.Id;

        /// <summary>Adds a staff member with the given roles and returns a client acting as them.</summary>
        public async Task<(StaffDto Staff, HttpClient Client)> AddStaffAsync(params Role[] roles)
        {
            var subject = $"staff-{Guid.NewGuid():N}";
            var kind = roles.Contains(Role.Integration) ? "service_account" : "user";
            var response = await Admin.PostAsJsonAsync("/v1/staff", new
            {
                subject,
                email = $"{subject}@example.test",
                displayName = "Staff Member",
                roles,
                kind,
            }, Json);
            var staff = await Read<StaffDto>(response, HttpStatusCode.Created);
            return (staff, Test.Factory.ClientWithToken(CmsApiFactory.TenantToken(Id, subject)));
        }

        public Task<ConsumerDto> RegisterConsumerAsync(HttpClient? client = null, string? externalRef = null, string? email = null) =>
            PostAsync<ConsumerDto>(client ?? Admin, "/v1/consumers", new
            {
                externalRef = externalRef ?? $"EXT-{Guid.NewGuid():N}",
                fullName = "Jane Consumer",
                email = email ?? "jane.consumer@example.test",
                phone = "+44 20 7946 0000",
            });

        /// <summary>Files a complaint, into <paramref name="queue"/> (a queue code) when given.</summary>
        public async Task<ComplaintDto> FileComplaintAsync(Guid consumerId, HttpClient? client = null, string category = "fees",
            DateTimeOffset? receivedAt = null, string? queue = null) =>
            await PostAsync<ComplaintDto>(client ?? Admin, "/v1/complaints", new
            {
                consumerId,
                channel = "web",
                product = "current_account",
                category,
                description = "Charged twice for the same transfer.",
                receivedAt,
                queue,
            });

        /// <summary>Creates a queue of the tenant (as its admin).</summary>
        public Task<Cms.Application.Queues.QueueDto> CreateQueueAsync(string code, string? name = null) =>
            PostAsync<Cms.Application.Queues.QueueDto>(Admin, "/v1/queues", new { code, name = name ?? $"Queue {code}" });

        /// <summary>Replaces the queues a staff member works (as the tenant admin); the queues must exist.</summary>
        public async Task<Cms.Application.Queues.StaffQueuesDto> WorkQueuesAsync(Guid staffId, params string[] queues) =>
            await Read<Cms.Application.Queues.StaffQueuesDto>(await Admin.PutAsJsonAsync($"/v1/staff/{staffId}/queues", new { queues }, Json));

        /// <summary>
        /// An agent who works <paramref name="queue"/>, creating the queue when the tenant has none of that code: for tests
        /// where an agent handles unassigned complaints (an agent acts only on unassigned complaints of their queues).
        /// </summary>
        public async Task<(StaffDto Staff, HttpClient Client)> AddQueueAgentAsync(string queue)
        {
            var queues = await Read<Page<Cms.Application.Queues.QueueDto>>(await Admin.GetAsync("/v1/queues?limit=200"));
            if (queues.Items.All(q => q.Code != queue))
            {
                await CreateQueueAsync(queue);
            }

            var (staff, client) = await AddStaffAsync(Role.Agent);
            var member = await WorkQueuesAsync(staff.Id, queue);
            return (staff with { Version = member.Version }, client);
        }

        private static async Task<T> PostAsync<T>(HttpClient client, string path, object body) =>
            await Read<T>(await client.PostAsJsonAsync(path, body, Json), HttpStatusCode.Created);
    }

    /// <summary>POSTs a lifecycle step with If-Match.</summary>
    public static Task<HttpResponseMessage> TransitionAsync(HttpClient client, Guid complaintId, string step, long version, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/complaints/{complaintId}/{step}")
        {
            Content = JsonContent.Create(body ?? new { }, options: Json),
        };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        return client.SendAsync(request);
    }
}
