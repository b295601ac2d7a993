using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cms.Application.Complaints;
using Cms.Application.Letters;
using Cms.Domain.Complaints;
using Cms.Domain.Letters;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api.Letters;

/// <summary>
/// Regulated correspondence through the HTTP API on both databases (issue 20): required content per regulatory profile
/// (422 naming each missing element), four-eyes approval, the send log sealed, and the clocks closing on a sent letter.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class LetterApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    /// <summary>A final response with everything DISP 1.6.2 and 1 Annex 3 require, as placeholders.</summary>
    public const string FcaFinalResponse =
        """
        Dear {{ consumer.full_name }},
        Your complaint {{ complaint.reference }} of {{ complaint.received_on }}: we have {{ complaint.outcome }} it.
        {{ letter.reasons }}
        {{ regulatory.referral_rights }}
        {{ letter.time_limit_waiver }}
        {{ regulatory.scheme_contact }}
        """;

    private const string WithoutOmbudsman =
        """
        Dear {{ consumer.full_name }},
        Your complaint {{ complaint.reference }}: we have {{ complaint.outcome }} it. {{ letter.reasons }}
        """;

    internal static Task<HttpResponseMessage> PublishAsync(HttpClient client, string type, string body, string? html = null,
        string[]? attachments = null) =>
        client.PostAsJsonAsync("/v1/letter-templates", new
        {
            type, name = $"{type} letter", subject = "Your complaint {{ complaint.reference }}",
            bodyText = body, bodyHtml = html, attachments
        }, Json);

    /// <summary>An acknowledgement (no approval needed) drafted by <paramref name="client"/> on a complaint: for suites that need a real letter id.</summary>
    internal static async Task<LetterDto> DraftAcknowledgementAsync(HttpClient client, Guid complaintId)
    {
        var template = await Read<LetterTemplateDto>(await PublishAsync(client, "acknowledgement", "Dear {{ consumer.full_name }}"), HttpStatusCode.Created);
        return await Read<LetterDto>(await client.PostAsJsonAsync($"/v1/complaints/{complaintId}/letters",
            new { type = "acknowledgement", templateId = template.Id }, Json), HttpStatusCode.Created);
    }

    private async Task<(TestTenant Tenant, ComplaintDto Complaint)> FcaComplaintAsync()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id, receivedAt: DateTimeOffset.UtcNow.AddDays(-10));
        return (tenant, complaint);
    }

    private static object FinalDraft(Guid templateId) => new
    {
        type = "final_response",
        templateId,
        reasons = "The fee was charged in line with your account terms.",
        waivesTimeLimits = false,
        resolution = new { outcome = "not_upheld" },
    };

    [Test]
    public async Task An_fca_final_response_needs_the_ombudsman_wording_four_eyes_and_meets_its_deadline_when_sent()
    {
        var (tenant, complaint) = await FcaComplaintAsync();
        var (author, authorClient) = await tenant.AddStaffAsync(Role.Supervisor);
        var (_, approverClient) = await tenant.AddStaffAsync(Role.Supervisor);

        // Without the Ombudsman wording: 422 naming each missing element, nothing stored.
        var bare = await Read<LetterTemplateDto>(await PublishAsync(tenant.Admin, "final_response", WithoutOmbudsman), HttpStatusCode.Created);
        var refused = await authorClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters", FinalDraft(bare.Id), Json);
        await Expect(refused, HttpStatusCode.UnprocessableEntity);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.That(problem["code"]!.GetValue<string>(), Is.EqualTo("letter.required_content_missing"));
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key).Order(),
            Is.EqualTo(new[] { "fca.final.leaflet", "fca.final.ombudsman_contact", "fca.final.referral_rights", "fca.final.time_limit_waiver" }));
        Assert.That(await Read<List<LetterDto>>(await authorClient.GetAsync($"/v1/complaints/{complaint.Id}/letters")), Is.Empty);

        // With it (and the leaflet enclosed): a draft that only another supervisor may approve.
        var full = await Read<LetterTemplateDto>(await PublishAsync(tenant.Admin, "final_response", FcaFinalResponse,
            "<p>Dear {{ consumer.full_name }}</p><p>{{ regulatory.referral_rights }}</p>", ["fos_leaflet"]), HttpStatusCode.Created);
        Assert.That(full.Version, Is.EqualTo(2));
        var draft = await Read<LetterDto>(await authorClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters", FinalDraft(full.Id), Json),
            HttpStatusCode.Created);
        Assert.Multiple(() =>
        {
            Assert.That(draft.Status, Is.EqualTo(LetterStatus.Draft));
            Assert.That(draft.TemplateVersion, Is.EqualTo(2));
            Assert.That(draft.BodyText, Does.Contain("Dear Jane Consumer").And.Contain("Financial Ombudsman Service within six months")
                .And.Contain("www.financial-ombudsman.org.uk").And.Contain(complaint.Reference).And.Contain("not upheld"));
            Assert.That(draft.ContentHash, Has.Length.EqualTo(64));
            Assert.That(draft.Rules, Is.EqualTo("uk_banking_fca_disp1.letters"));
        });

        // Sealed at rest: the consumer's name is nowhere in the row.
        var stored = await AtRest.ScalarAsync(Db, $"SELECT body_text FROM letters WHERE id = '{draft.Id}'");
        Assert.That(stored, Does.StartWith("v1:").And.Not.Contain("Jane"));

        // Not sent before approval; the author cannot approve (403); a second supervisor can.
        var early = await authorClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters/{draft.Id}/sent",
            new { channel = "post", sentAt = DateTimeOffset.UtcNow }, Json);
        await Expect(early, HttpStatusCode.Conflict);
        var own = await authorClient.SendAsync(HttpMethod.Post, $"/v1/complaints/{complaint.Id}/letters/{draft.Id}/approve", new { }, draft.Version);
        await Expect(own, HttpStatusCode.Forbidden);
        var approved = await Read<LetterDto>(await approverClient.SendAsync(HttpMethod.Post,
            $"/v1/complaints/{complaint.Id}/letters/{draft.Id}/approve", new { }, draft.Version));
        Assert.That(approved.Status, Is.EqualTo(LetterStatus.Approved));
        Assert.That(approved.ApprovedBy, Is.Not.EqualTo(author.Id).And.Not.Null);

        // Approved is immutable: a second approval is a conflict.
        var again = await approverClient.SendAsync(HttpMethod.Post, $"/v1/complaints/{complaint.Id}/letters/{draft.Id}/approve", new { },
            approved.Version);
        await Expect(again, HttpStatusCode.Conflict);

        // Sent: the final response deadline is met at the sent time, the complaint resolved with the letter's outcome.
        var sentAt = DateTimeOffset.UtcNow;
        var sent = await Read<LetterDto>(await authorClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters/{draft.Id}/sent",
            new { channel = "post", sentAt }, Json));
        Assert.That(sent.Status, Is.EqualTo(LetterStatus.Sent));
        var after = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        var finalResponse = after.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse);
        Assert.Multiple(() =>
        {
            Assert.That(after.Status, Is.EqualTo(ComplaintStatus.Resolved));
            Assert.That(finalResponse.MetAt, Is.EqualTo(sentAt).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(after.Outcome, Is.EqualTo(Outcome.NotUpheld));
        });

        var twice = await authorClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters/{draft.Id}/sent", new { channel = "post", sentAt }, Json);
        await Expect(twice, HttpStatusCode.Conflict);
    }

    [Test]
    public async Task The_same_template_renders_the_required_text_of_each_tenants_profile()
    {
        const string body = "Dear {{ consumer.full_name }}, we received {{ complaint.reference }}. {{ regulatory.response_times }} {{ regulatory.referral_rights }}";
        var texts = new Dictionary<string, string>();
        foreach (var (sector, jurisdiction) in new[] { ("telecom", "UK"), ("airline", "US") })
        {
            var tenant = await CreateTenantAsync($"{sector} co", sector, jurisdiction);
            var consumer = await tenant.RegisterConsumerAsync();
            var complaint = await tenant.FileComplaintAsync(consumer.Id);
            var template = await Read<LetterTemplateDto>(await PublishAsync(tenant.Admin, "acknowledgement", body), HttpStatusCode.Created);
            var letter = await Read<LetterDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters",
                new { type = "acknowledgement", templateId = template.Id }, Json), HttpStatusCode.Created);
            Assert.That(letter.RequiresApproval, Is.False);
            texts[sector] = letter.BodyText!;

            // No approval needed: sent at once, the acknowledgement meets the airline's 30-day clock.
            var sentAt = DateTimeOffset.UtcNow;
            await Read<LetterDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters/{letter.Id}/sent",
                new { channel = "email", sentAt }, Json));
            var after = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
            Assert.That(after.Status, Is.EqualTo(ComplaintStatus.Acknowledged));
            if (sector == "airline")
            {
                Assert.That(after.Deadlines.Single(d => d.Kind == DeadlineKind.WrittenAcknowledgement).MetAt,
                    Is.EqualTo(sentAt).Within(TimeSpan.FromMilliseconds(1)));
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(texts["telecom"], Does.Contain("Communications Ombudsman").And.Not.Contain("Department of Transportation"));
            Assert.That(texts["airline"], Does.Contain("Department of Transportation").And.Contain("within 60 days of receipt")
                .And.Not.Contain("Ombudsman"));
        });
    }

    [TestCase("{% assign x = 'y' %}{{ x }}", "assign")]
    [TestCase("{{ consumer.date_of_birth }}", "consumer.date_of_birth")]
    [TestCase("{{ consumer }}", "'consumer' is not a placeholder")]
    [TestCase("{{ consumer.full_name | raw }}", "raw")]
    [TestCase("{% include 'other' %}", "include")]
    [TestCase("{% for c in complaint %}{{ c }}{% endfor %}", "for")]
    [TestCase("{{ consumer['full_name'] }}", "indexed")]
    [TestCase("{% capture x %}{{ consumer.full_name }}{% endcapture %}", "capture")]
    public async Task A_template_that_reaches_anything_but_its_placeholders_fails_to_publish(string body, string named)
    {
        var tenant = await CreateTenantAsync();
        var response = await PublishAsync(tenant.Admin, "acknowledgement", "Dear {{ consumer.full_name }}. " + body);
        await Expect(response, HttpStatusCode.UnprocessableEntity);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain("letter_template.unsafe").And.Contain(named));
        Assert.That(await Read<List<LetterTemplateDto>>(await tenant.Admin.GetAsync("/v1/letter-templates")), Is.Empty);
    }

    [Test]
    public async Task Html_output_escapes_the_consumers_data_and_plain_text_keeps_it()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await Read<Cms.Application.Consumers.ConsumerDto>(await tenant.Admin.PostAsJsonAsync("/v1/consumers",
            new { externalRef = "EXT-HTML", fullName = "<b>Jane</b> & Co", email = "j@example.test" }, Json), HttpStatusCode.Created);
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var template = await Read<LetterTemplateDto>(await PublishAsync(tenant.Admin, "acknowledgement", "Dear {{ consumer.full_name }}",
            "<p>Dear {{ consumer.full_name }}</p>"), HttpStatusCode.Created);
        var letter = await Read<LetterDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/letters",
            new { type = "acknowledgement", templateId = template.Id }, Json), HttpStatusCode.Created);
        Assert.Multiple(() =>
        {
            Assert.That(letter.BodyText, Is.EqualTo("Dear <b>Jane</b> & Co"));
            Assert.That(letter.BodyHtml, Is.EqualTo("<p>Dear &lt;b&gt;Jane&lt;/b&gt; &amp; Co</p>"));
        });
    }

    [Test]
    public async Task The_requirements_name_each_element_and_what_meets_it()
    {
        var tenant = await CreateTenantAsync();
        var requirements = await Read<LetterRequirementsDto>(await tenant.Admin.GetAsync("/v1/letter-templates/requirements?type=holding_response"));
        Assert.Multiple(() =>
        {
            Assert.That(requirements.Profile, Is.EqualTo("uk_banking_fca_disp1"));
            Assert.That(requirements.Elements.Select(e => (e.Code, e.SatisfiedBy)), Is.EqualTo(new[]
            {
                ("fca.holding.reasons", "letter.reasons"), ("fca.holding.expected_by", "letter.expected_by"),
                ("fca.holding.refer_now", "regulatory.refer_now"),
            }));
        });
        await Expect(await tenant.Admin.GetAsync("/v1/letter-templates/requirements?type=nonsense"), HttpStatusCode.BadRequest);
    }
}
