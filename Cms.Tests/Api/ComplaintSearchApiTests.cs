using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;

using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// GET /v1/complaints by exact reference, by the filters of api.md, and by keyword through the blind keyword index, on
/// both databases: combinable, keyset paged, never across tenants, an erased consumer's words gone, bad input a 400 that
/// writes nothing. The plans are pinned by Performance/HotQueryPlanTests.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ComplaintSearchApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static async Task<ComplaintDto> FileAsync(TestTenant tenant, Guid consumerId, string description, string channel = "web",
        string product = "current_account") =>
        await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints",
            new { consumerId, channel, product, category = "fees", description }, Json), HttpStatusCode.Created);

    private static async Task<IReadOnlyList<Guid>> FindAsync(TestTenant tenant, string query) =>
        [.. (await Read<Page<ComplaintSummaryDto>>(await tenant.Admin.GetAsync($"/v1/complaints?{query}"))).Items.Select(c => c.Id)];

    [Test]
    public async Task Reference_and_filters_find_exactly_and_combine()
    {
        var tenant = await CreateTenantAsync();
        var consumer = (await tenant.RegisterConsumerAsync()).Id;
        var web = await FileAsync(tenant, consumer, "first", "web", "current_account");
        var phone = await FileAsync(tenant, consumer, "second", "phone", "mortgage");
        var vulnerable = await FileAsync(tenant, consumer, "third", "phone", "current_account");
        await Read<ComplaintDto>(await tenant.Admin.SendAsync(ApiRequests.Json(HttpMethod.Put, $"/v1/complaints/{vulnerable.Id}/vulnerability",
            new { involved = true, drivers = Array.Empty<string>() }, vulnerable.Version)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await FindAsync(tenant, $"reference={phone.Reference}"), Is.EqualTo(new[] { phone.Id }));
            Assert.That(await FindAsync(tenant, $"reference={Uri.EscapeDataString(" " + phone.Reference + " ")}"), Is.EqualTo(new[] { phone.Id }));
            Assert.That(await FindAsync(tenant, $"reference={phone.Reference.ToLowerInvariant()}"), Is.Empty);
            Assert.That(await FindAsync(tenant, $"reference={phone.Reference}&status=closed"), Is.Empty);
            Assert.That(await FindAsync(tenant, "channel=phone"), Is.EqualTo(new[] { phone.Id, vulnerable.Id }));
            Assert.That(await FindAsync(tenant, "product=current_account"), Is.EqualTo(new[] { web.Id, vulnerable.Id }));
            Assert.That(await FindAsync(tenant, "channel=phone&product=current_account"), Is.EqualTo(new[] { vulnerable.Id }));
            Assert.That(await FindAsync(tenant, "vulnerable=true"), Is.EqualTo(new[] { vulnerable.Id }));
            Assert.That(await FindAsync(tenant, "vulnerable=false&channel=phone"), Is.EqualTo(new[] { phone.Id }));
        }
    }

    [Test]
    public async Task Keywords_match_any_form_of_a_word_within_the_tenant_only_and_die_with_the_consumer()
    {
        var a = await CreateTenantAsync();
        var b = await CreateTenantAsync("Other Bank");
        var consumerA = (await a.RegisterConsumerAsync()).Id;
        var other = (await a.RegisterConsumerAsync()).Id;
        var charged = await FileAsync(a, consumerA, "I was CHARGED twice at the Café Brontosaurus for one transfer.");
        var noted = await FileAsync(a, other, "Nothing to see here.");
        await Expect(await a.Admin.PostAsJsonAsync($"/v1/complaints/{noted.Id}/notes",
            new { kind = "internal", body = "Consumer says the charges keep coming." }, Json), HttpStatusCode.Created);
        var unrelated = await FileAsync(a, other, "A late payment fee.");
        var foreign = await FileAsync(b, (await b.RegisterConsumerAsync()).Id, "Charged twice, same words, other tenant.");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await FindAsync(a, "q=charging"), Is.EqualTo(new[] { charged.Id, noted.Id }));
            Assert.That(await FindAsync(a, "q=cafe"), Is.EqualTo(new[] { charged.Id }), "accents and case");
            Assert.That(await FindAsync(a, "q=" + Uri.EscapeDataString("twice TRANSFERS")), Is.EqualTo(new[] { charged.Id }), "every word");
            Assert.That(await FindAsync(a, "q=" + Uri.EscapeDataString("twice payment")), Is.Empty);
            Assert.That(await FindAsync(a, "q=charge&channel=web&product=current_account"), Is.EqualTo(new[] { charged.Id, noted.Id }));
            Assert.That(await FindAsync(b, "q=charged"), Is.EqualTo(new[] { foreign.Id }), "tenant B never sees A's complaints");
            Assert.That(await FindAsync(a, "q=tenant"), Is.Empty, "tenant A never sees B's");
            Assert.That(await FindAsync(a, "q=fee"), Is.EqualTo(new[] { unrelated.Id }));
        }

        // Keyset paged.
        var first = await Read<Page<ComplaintSummaryDto>>(await a.Admin.GetAsync("/v1/complaints?q=charge&limit=1"));
        var second = await Read<Page<ComplaintSummaryDto>>(await a.Admin.GetAsync(
            $"/v1/complaints?q=charge&limit=1&cursor={Uri.EscapeDataString(first.NextCursor!)}"));
        Assert.That(first.Items.Concat(second.Items).Select(c => c.Id), Is.EqualTo(new[] { charged.Id, noted.Id }));
        Assert.That(second.NextCursor, Is.Null);

        // The database holds no word, only hashes that differ between tenants.
        Assert.That(await AtRest.DumpAsync(Db), Does.Not.Contain("brontosaur").IgnoreCase);
        Assert.That(await FindAsync(a, "q=brontosaurus"), Is.EqualTo(new[] { charged.Id }));

        await Read<object>(await a.Admin.PostAsync($"/v1/consumers/{other}/erasure", null));
        Assert.That(await FindAsync(a, "q=charge"), Is.EqualTo(new[] { charged.Id }), "the erased consumer's note no longer matches");
        Assert.That(await FindAsync(a, "q=fee"), Is.Empty);
    }

    [Test]
    public async Task Bad_search_input_is_a_problem_naming_the_parameter()
    {
        var tenant = await CreateTenantAsync();
        foreach (var (query, field) in new[]
                 {
                     ("q=a", "q"), ("q=%20%20", "q"), ("q=" + new string('x', SearchWords.MaxQueryLength + 1), "q"),
                     ("q=" + Uri.EscapeDataString(string.Join(' ', Enumerable.Range(0, SearchWords.MaxPerQuery + 1).Select(i => $"word{i}"))), "q"),
                     ("channel=pigeon", "channel"), ("reference=" + new string('C', 21), "reference"),
                     ("product=" + new string('p', 101), "product"), ("vulnerable=maybe", "vulnerable"),
                 })
        {
            await ApiRequests.AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/complaints?{query}"), HttpStatusCode.BadRequest, field);
        }
    }

    [Test]
    public void Words_are_normalised_for_case_accents_and_simple_suffixes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(SearchWords.Of("Charged, charges; CHARGING charge"), Is.EqualTo(new[] { "charg" }));
            Assert.That(SearchWords.Of("Café CAFE cafés"), Is.EqualTo(new[] { "caf" }));
            Assert.That(SearchWords.Of("a I x9 42"), Is.EqualTo(new[] { "x9", "42" }));
            Assert.That(SearchWords.Of("policies policy"), Is.EqualTo(new[] { "policy" }));
            Assert.That(SearchWords.Of("addresses address"), Is.EqualTo(new[] { "address" }));
            Assert.That(SearchWords.Of(null), Is.Empty);
        }
    }
}
