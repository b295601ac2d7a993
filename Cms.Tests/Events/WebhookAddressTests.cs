using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Webhooks;
using Cms.Infrastructure.Webhooks;
using Cms.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cms.Tests.Events;

/// <summary>
/// Webhook URLs that reach internal addresses (issue 23): a trailing dot, digits and dots that IDNA maps to an IPv4
/// literal, numeric forms, and IPv6 forms that carry an internal IPv4 address are refused by POST and PATCH, as the HTTP
/// client would normalise the host; and the connect-time check, the second defence, refuses a public-looking name that a
/// resolver answers with an internal address.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class WebhookAddressTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static readonly string[] InternalUrls =
    [
        "https://127.0.0.1./", "https://169.254.169.254./latest/meta-data/", "https://10.0.0.1./", "https://localhost./",
        "https://0x7f000001./", "https://2130706433./", "https://0x7f000001/", "https://2130706433/", "https://127.1/",
        "https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "https://127\u30020\u30020\u30021/", "https://169\uff0e254\uff0e169\uff0e254/",
        "https://[::ffff:0:127.0.0.1]/", "https://[::ffff:127.0.0.1]/", "https://[2002:7f00:1::]/", "https://[2002:a9fe:a9fe::]/",
        "https://[::127.0.0.1]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "https://0.0.0.0/", "https://[::]/", "https://LOCALHOST./", "https://x.localhost./", "https://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/",
    ];

    /// <summary>No background delivery: the test runs its own dispatcher with its own resolver.</summary>
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Webhooks:DeliveryEnabled"] = "false",
        ["Cms:Webhooks:AttemptsPerPass"] = "1",
    };

    [Test]
    public void The_policy_refuses_every_internal_form_and_accepts_public_hosts()
    {
        Assert.Multiple(() =>
        {
            foreach (var url in InternalUrls)
            {
                Assert.That(WebhookUrlPolicy.Problem(url, allowLoopback: false), Is.Not.Null, url);
            }

            Assert.That(WebhookUrlPolicy.Problem("https://hooks.example.com/cms", false), Is.Null);
            Assert.That(WebhookUrlPolicy.Problem("https://hooks.example.com./cms", false), Is.Null, "a trailing dot on a public name is fine");
            Assert.That(WebhookUrlPolicy.Problem("https://93.184.215.14/", false), Is.Null);
            Assert.That(WebhookUrlPolicy.Problem("https://[2606:4700::6810:85e5]/", false), Is.Null);
        });
    }

    [Test]
    public async Task Post_and_patch_refuse_every_internal_form()
    {
        var tenant = await CreateTenantAsync();
        var hook = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = "https://hooks.example.com/cms", eventTypes = new[] { "*" } }, Json), HttpStatusCode.Created);
        var failures = new List<string>();
        foreach (var url in InternalUrls)
        {
            var created = await tenant.Admin.PostAsJsonAsync("/v1/webhooks", new { url, eventTypes = new[] { "*" } }, Json);
            var patched = await tenant.Admin.PatchAsJsonAsync($"/v1/webhooks/{hook.Webhook.Id}", new { url }, Json);
            if (created.StatusCode != HttpStatusCode.BadRequest || patched.StatusCode != HttpStatusCode.BadRequest)
            {
                failures.Add($"{url}: POST {(int)created.StatusCode}, PATCH {(int)patched.StatusCode}");
            }
        }

        Assert.That(failures, Is.Empty);
        var page = await Read<Page<WebhookDto>>(await tenant.Admin.GetAsync("/v1/webhooks"));
        Assert.That(page.Items.Select(w => w.Url), Is.EqualTo(new[] { "https://hooks.example.com/cms" }), "nothing registered or changed");
    }

    [TestCase("169.254.169.254")]
    [TestCase("10.0.0.1")]
    [TestCase("::ffff:0:7f00:1")]
    [TestCase("2002:7f00:1::")]
    public async Task At_connect_time_a_public_name_that_resolves_to_an_internal_address_is_refused(string answer)
    {
        var tenant = await CreateTenantAsync();
        var hook = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = "https://hooks.example.com/cms", eventTypes = new[] { "*" }, after = 0 }, Json), HttpStatusCode.Created);
        var asked = new List<string>();
        using var dispatcher = new WebhookDispatcher(Factory.Services, new WebhookOptions
        {
            AttemptsPerPass = 1, BackoffBase = TimeSpan.FromHours(1), BackoffMax = TimeSpan.FromHours(1),
        }, TimeProvider.System, NullLogger<WebhookDispatcher>.Instance, (host, _) =>
        {
            asked.Add(host);
            return Task.FromResult(new[] { IPAddress.Parse(answer) });
        });

        await dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.That(asked, Does.Contain("hooks.example.com"), "the resolver was asked");
        var attempts = (await Read<Page<WebhookAttemptDto>>(await tenant.Admin.GetAsync($"/v1/webhooks/{hook.Webhook.Id}/attempts"))).Items;
        Assert.That(attempts.Select(a => (a.Outcome, a.Error)), Is.EqualTo(new[] { ("failed", (string?)"refused: address not public") }));
    }
}
