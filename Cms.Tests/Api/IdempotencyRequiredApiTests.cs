using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// An integration service account configured in Cms:Idempotency:RequiredFor must send Idempotency-Key: without it its
/// creating POSTs are 400 naming the header and write nothing; other callers are unaffected.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class IdempotencyRequiredApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string StrictSubject = "svc-intake-strict";

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Idempotency:RequiredFor:0"] = StrictSubject,
    };

    [Test]
    public async Task A_service_account_that_must_send_keys_gets_400_naming_the_header_without_one_and_nothing_is_written()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await Read<StaffDto>(await tenant.Admin.PostAsJsonAsync("/v1/staff", new
        {
            subject = StrictSubject,
            email = "intake@example.test",
            displayName = "Intake service",
            roles = new[] { "integration" },
            kind = "service_account",
        }, Json), HttpStatusCode.Created);
        using var strict = Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, StrictSubject));

        var without = await Idempotent.PostAsync(strict, "/v1/complaints", Idempotent.Complaint(consumer.Id), null);
        await Expect(without, HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await without.Content.ReadAsStringAsync());
        Assert.Multiple(async () =>
        {
            Assert.That(without.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.RootElement.GetProperty("errors").TryGetProperty(Idempotent.Header, out _), Is.True, problem.RootElement.ToString());
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.Zero);
        });

        await Expect(await Idempotent.PostAsync(strict, "/v1/complaints", Idempotent.Complaint(consumer.Id), Idempotent.NewKey()),
            HttpStatusCode.Created);
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
    }

    [Test]
    public async Task Callers_not_configured_may_still_create_without_a_key()
    {
        var tenant = await CreateTenantAsync();
        var (_, integration) = await tenant.AddStaffAsync(global::Cms.Domain.Staff.Role.Integration);
        var consumer = await tenant.RegisterConsumerAsync(integration);
        await Expect(await Idempotent.PostAsync(integration, "/v1/complaints", Idempotent.Complaint(consumer.Id), null), HttpStatusCode.Created);
    }
}
