using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.LegalEntities;
using Cms.Domain.LegalEntities;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api.Reports;

/// <summary>Legal entities inside a tenant (issue 21): the default entity, adding and changing entities, filing a
/// complaint under one, and another tenant's entity answered like a missing one.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class LegalEntityApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static async Task<HttpResponseMessage> CreateAsync(HttpClient client, string name, string? frn, params string[] permissions) =>
        await client.PostAsJsonAsync("/v1/legal-entities", new { name, firmReferenceNumber = frn, permissions }, Json);

    private static async Task<HttpResponseMessage> FileAsync(HttpClient client, Guid consumerId, Guid? legalEntityId) =>
        await client.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = "Charged twice.",
            legalEntityId,
        }, Json);

    [Test]
    public async Task A_tenant_has_a_default_entity_adds_others_and_files_complaints_under_them()
    {
        var tenant = await CreateTenantAsync("Group Bank");
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);

        var initial = await Read<Page<LegalEntityDto>>(await auditor.GetAsync("/v1/legal-entities"));
        var defaultEntity = initial.Items.Single();
        Assert.That((defaultEntity.Id, defaultEntity.Name, defaultEntity.IsDefault, defaultEntity.FirmReferenceNumber),
            Is.EqualTo((tenant.Id, "Group Bank", true, (string?)null)));
        Assert.That(defaultEntity.Permissions, Is.EqualTo(new[] { FcaPermission.Banking }), "a UK bank's default entity reports banking");

        var cards = await Read<LegalEntityDto>(await CreateAsync(tenant.Admin, "Group Cards Ltd", "654321", "payment_services", "consumer_credit"),
            HttpStatusCode.Created);
        Assert.That(cards.Permissions, Is.EqualTo(new[] { FcaPermission.ConsumerCredit, FcaPermission.PaymentServices }));
        Assert.That(cards.IsDefault, Is.False);

        // Bad input names the field and writes nothing; a firm reference number is unique in the tenant.
        await ApiRequests.AssertProblemAsync(await CreateAsync(tenant.Admin, "X", "12ab45", "banking"), HttpStatusCode.BadRequest, "firmReferenceNumber");
        await ApiRequests.AssertProblemAsync(await CreateAsync(tenant.Admin, "X", "123456", "lending"), HttpStatusCode.BadRequest);
        await ApiRequests.AssertProblemAsync(await CreateAsync(tenant.Admin, "X", "123456", "banking", "banking"), HttpStatusCode.BadRequest, "permissions");
        await ApiRequests.AssertProblemAsync(await CreateAsync(tenant.Admin, "Again", "654321", "banking"), HttpStatusCode.Conflict);
        await ApiRequests.AssertProblemAsync(await CreateAsync(agent, "Agent's", "765432", "banking"), HttpStatusCode.Forbidden);

        // The default entity gets its firm reference number.
        var renamed = await Read<LegalEntityDto>(await tenant.Admin.PutAsJsonAsync($"/v1/legal-entities/{tenant.Id}",
            new { name = "Group Bank plc", firmReferenceNumber = "123456", permissions = new[] { "banking", "home_finance" } }, Json));
        Assert.That((renamed.FirmReferenceNumber, renamed.Version), Is.EqualTo(("123456", 2L)));

        var list = await Read<Page<LegalEntityDto>>(await agent.GetAsync("/v1/legal-entities"));
        Assert.That(list.Items.Select(e => e.Name), Is.EqualTo(new[] { "Group Bank plc", "Group Cards Ltd" }));

        // Filing: under the named entity, else under the default one.
        var consumer = (await tenant.RegisterConsumerAsync()).Id;
        var underCards = await Read<ComplaintDto>(await FileAsync(tenant.Admin, consumer, cards.Id), HttpStatusCode.Created);
        var underDefault = await Read<ComplaintDto>(await FileAsync(tenant.Admin, consumer, null), HttpStatusCode.Created);
        Assert.That((underCards.LegalEntityId, underDefault.LegalEntityId), Is.EqualTo((cards.Id, tenant.Id)));
        var read = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{underCards.Id}"));
        Assert.That(read.LegalEntityId, Is.EqualTo(cards.Id));
        await ApiRequests.AssertProblemAsync(await FileAsync(tenant.Admin, consumer, Guid.NewGuid()), HttpStatusCode.NotFound);

        // Tenant B cannot use, see or change tenant A's entity: exactly as for an id that does not exist.
        var other = await CreateTenantAsync("Other Bank");
        var otherConsumer = (await other.RegisterConsumerAsync()).Id;
        await ApiRequests.AssertProblemAsync(await FileAsync(other.Admin, otherConsumer, cards.Id), HttpStatusCode.NotFound);
        await ApiRequests.AssertProblemAsync(await FileAsync(other.Admin, otherConsumer, tenant.Id), HttpStatusCode.NotFound);
        await ApiRequests.AssertProblemAsync(await other.Admin.PutAsJsonAsync($"/v1/legal-entities/{cards.Id}",
            new { name = "Hijacked", permissions = new[] { "banking" } }, Json), HttpStatusCode.NotFound);
        var theirs = await Read<Page<LegalEntityDto>>(await other.Admin.GetAsync("/v1/legal-entities"));
        Assert.That(theirs.Items.Select(e => e.Id), Is.EqualTo(new[] { other.Id }));
        var stillOurs = await Read<Page<LegalEntityDto>>(await tenant.Admin.GetAsync("/v1/legal-entities"));
        Assert.That(stillOurs.Items.Single(e => e.Id == cards.Id).Name, Is.EqualTo("Group Cards Ltd"));
    }
}
