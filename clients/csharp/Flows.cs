using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cms.Client;
using Cms.Client.Models;

namespace Cms.ClientFlows;

internal sealed class FlowCheckException(string message) : Exception(message);

/// <summary>The flows a calling team runs: the README's set-up, the lifecycle, keyset paging, the change feed, 400/412/404.</summary>
internal sealed class Flows(Func<string, CmsClient> clientFor, string signingKey, string run)
{
    private static readonly Guid UnknownComplaint = Guid.Parse("0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6aff");

    public sealed record World(CmsClient Admin, CmsClient Integration, ConsumerDto Consumer, StaffDto Agent);

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FlowCheckException($"check failed: {what}");
        }
    }

    private static string ETag(ResponseHeaders headers, long? version)
    {
        var etag = headers["ETag"];
        Check(etag is not null && etag == $"\"{version}\"", $"the ETag is the version {version} (got {etag})");
        return etag!;
    }

    public async Task<World> SetUpAsync()
    {
        var platform = clientFor(Token("ops-1", tenantId: null, platform: true));
        var headers = new ResponseHeaders();
        var tenant = await platform.V1.Tenants.PostAsync(new CreateTenantCommand
        {
            Name = $"Acme Bank {run}", Sector = Sector.Banking, Jurisdiction = Jurisdiction.UK,
            Admin = new TenantAdminInput { Subject = "alice", Email = "alice@acme.test", DisplayName = "Alice" },
        }, headers.Attach);
        Check(tenant?.Id is not null && headers["Location"] == $"/v1/tenants/{tenant.Id}", "tenant created at its Location");

        var admin = clientFor(Token("alice", tenant!.Id, platform: false));
        var consumerHeaders = new ResponseHeaders();
        var consumer = await admin.V1.Consumers.PostAsync(
            new RegisterConsumerCommand { ExternalRef = $"C-{run}", FullName = "Jane Doe", Email = "jane@example.com" }, consumerHeaders.Attach);
        Check(consumer?.Id is not null, "consumer registered");
        ETag(consumerHeaders, consumer!.Version);

        var agentHeaders = new ResponseHeaders();
        var agent = await admin.V1.Staff.PostAsync(new AddStaffCommand
        {
            Subject = $"agent-{run}", Email = "agent@acme.test", DisplayName = "Sam Agent", Roles = [Role.Agent], Kind = StaffKind.User,
        }, agentHeaders.Attach);
        Check(agent?.Id is not null && agentHeaders["Location"] == $"/v1/staff/{agent.Id}", "agent added at its Location");
        ETag(agentHeaders, agent!.Version);
        var again = await admin.V1.Staff[agent.Id!.Value].GetAsync();
        Check(again is not null && again.Subject == agent.Subject && again.Roles?.SequenceEqual([Role.Agent]) == true, "the staff member is readable at its Location");

        var feed = await admin.V1.Staff.PostAsync(new AddStaffCommand
        {
            Subject = $"feed-{run}", Email = "feed@acme.test", DisplayName = "Change feed reader", Roles = [Role.Integration],
            Kind = StaffKind.Service_account,
        });
        Check(feed?.Subject is not null, "integration service account added");
        return new World(admin, clientFor(Token(feed!.Subject!, tenant.Id, platform: false)), consumer, agent);
    }

    private static async Task<(ComplaintDto Complaint, string ETag)> FileAsync(World world, string description)
    {
        var headers = new ResponseHeaders();
        var complaint = await world.Admin.V1.Complaints.PostAsync(new FileComplaintCommand
        {
            ConsumerId = world.Consumer.Id, Channel = Channel.Web, Product = "current_account", Category = "fees", Description = description,
        }, headers.Attach);
        Check(complaint?.Id is not null && headers["Location"] == $"/v1/complaints/{complaint.Id}", "complaint filed at its Location");
        return (complaint!, ETag(headers, complaint!.Version));
    }

    public async Task LifecycleAsync(World world)
    {
        var (complaint, etag) = await FileAsync(world, "Charged twice");
        Check(complaint.Status == ComplaintStatus.Received && complaint.Deadlines?.Count > 0, "a new complaint is received, with deadlines");
        var item = world.Admin.V1.Complaints[complaint.Id!.Value];

        var headers = new ResponseHeaders();
        var acknowledged = await item.Acknowledge.PostAsync(c =>
        {
            c.Headers.Add("If-Match", etag);
            headers.Attach(c);
        });
        Check(acknowledged?.Status == ComplaintStatus.Acknowledged, "acknowledged");

        var assigned = await item.Assign.PostAsync(new AssignBody { AssigneeId = world.Agent.Id },
            c => c.Headers.Add("If-Match", ETag(headers, acknowledged!.Version)));
        Check(assigned?.AssigneeId == world.Agent.Id, "assigned");

        var note = await item.Notes.PostAsync(new NoteBody { Kind = NoteKind.Internal, Body = "Called the consumer; statement requested." });
        Check(note?.ComplaintId == complaint.Id, "note added");

        var readHeaders = new ResponseHeaders();
        var read = await item.GetAsync(readHeaders.Attach);
        Check(read?.Version == assigned!.Version, "read back at its version");
        ETag(readHeaders, read!.Version);
    }

    public async Task PagingAsync(World world)
    {
        foreach (var n in new[] { 1, 2, 3 })
        {
            await FileAsync(world, $"Paging {n}");
        }

        var seen = new HashSet<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await world.Admin.V1.Complaints.GetAsync(c =>
            {
                c.QueryParameters.ConsumerId = world.Consumer.Id;
                c.QueryParameters.Limit = 2;
                c.QueryParameters.Cursor = cursor;
            });
            Check(page?.Items is { Count: <= 2 }, "a page of at most limit items");
            foreach (var complaint in page!.Items!)
            {
                Check(seen.Add(complaint.Id!.Value), "no complaint twice");
            }

            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Check(seen.Count == 4 && pages >= 2, $"4 complaints over {pages} pages (saw {seen.Count})");
    }

    public async Task ChangeFeedAsync(World world)
    {
        long after = 0;
        var filed = new List<Guid>();
        for (var hasMore = true; hasMore;)
        {
            var page = await world.Integration.V1.Events.GetAsync(c =>
            {
                c.QueryParameters.After = after;
                c.QueryParameters.Limit = 3;
            });
            Check(page?.Items is not null, "a feed page");
            foreach (var item in page!.Items!)
            {
                Check(item.Position > after, "positions increase");
                after = item.Position!.Value;
                if (item.Type == "complaint.filed")
                {
                    filed.Add(item.EntityId!.Value);
                }
            }

            Check(page.Next == after, "next is the last position read");
            hasMore = page.HasMore == true;
        }

        Check(filed.Count == 4, $"four complaint.filed events (saw {filed.Count})");
    }

    public async Task ProblemsAsync(World world)
    {
        try
        {
            await world.Admin.V1.Complaints.PostAsync(new FileComplaintCommand
            {
                ConsumerId = world.Consumer.Id, Channel = Channel.Web, Product = "current_account", Category = "fees", Description = "",
            });
            Check(false, "an empty description is refused");
        }
        catch (Problem400 problem)
        {
            Check(problem.ResponseStatusCode == 400 && problem.Code == Problem400_code.Validation, "an empty description is 400 validation");
            Check(problem.Errors?.AdditionalData.ContainsKey("description") == true, "the 400 names the field");
        }

        var (complaint, etag) = await FileAsync(world, "Stale ETag");
        var item = world.Admin.V1.Complaints[complaint.Id!.Value];
        await item.Acknowledge.PostAsync(c => c.Headers.Add("If-Match", etag));
        try
        {
            await item.Start.PostAsync(c => c.Headers.Add("If-Match", etag));
            Check(false, "a stale If-Match is refused");
        }
        catch (Problem412Version problem)
        {
            Check(problem.Code == Problem412Version_code.VersionStale && problem.Type == Problem412Version_type.HttpsCmsExampleProblemsVersionStale,
                "a stale If-Match is 412 version.stale");
            Check(problem.TraceId?.Length == 32, "with the trace id");
        }

        try
        {
            await world.Admin.V1.Complaints[UnknownComplaint].GetAsync();
            Check(false, "an unknown complaint is refused");
        }
        catch (Problem404Complaint problem)
        {
            Check(problem.ResponseStatusCode == 404 && problem.Code == Problem404Complaint_code.ComplaintNot_found, "an unknown complaint is 404 complaint.not_found");
        }
    }

    /// <summary>Stands in for the calling team's identity provider: HS256 with the local signing key (README "Trying it out").</summary>
    private string Token(string subject, Guid? tenantId, bool platform)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["iss"] = "cms-local", ["aud"] = "cms", ["iat"] = now, ["nbf"] = now, ["exp"] = now + 600 };
        if (tenantId is { } tenant)
        {
            claims["tenant_id"] = tenant.ToString();
        }

        if (platform)
        {
            claims["scope"] = "cms.platform";
        }

        var unsigned = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        using var hmac = new HMACSHA256(Convert.FromBase64String(signingKey));
        return $"{unsigned}.{Base64Url(hmac.ComputeHash(Encoding.ASCII.GetBytes(unsigned)))}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
