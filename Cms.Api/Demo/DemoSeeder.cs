using Cms.Application.Complaints;
using Cms.Application.Complaints.AcknowledgeComplaint;
using Cms.Application.Complaints.AddNote;
using Cms.Application.Complaints.AssignComplaint;
using Cms.Application.Complaints.AwaitConsumer;
using Cms.Application.Complaints.CloseComplaint;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.MergeComplaints;
using Cms.Application.Complaints.RecordReferralOutcome;
using Cms.Application.Complaints.ReferComplaint;
using Cms.Application.Complaints.ReopenComplaint;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Application.Complaints.StartInvestigation;
using Cms.Application.Consumers;
using Cms.Application.Consumers.FindConsumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Queues.CreateQueue;
using Cms.Application.Queues.ListQueues;
using Cms.Application.Queues.ReplaceStaffQueues;
using Cms.Application.Staff.AddStaff;
using Cms.Application.Staff.ListStaff;
using Cms.Application.Tenants.CreateTenant;
using Cms.Application.Tenants.ListTenants;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;
using Mediator;

namespace Cms.Api.Demo;

/// <summary>
/// Fills the configured database with three demonstration tenants (a UK bank, a UK telecom, a US airline), their staff
/// in every role, consumers and complaints in every state, through the same use cases, permission checks and audit
/// trail as the HTTP API. Everything is found again by a natural key (tenant name, staff subject, consumer external
/// reference), so a second run adds only what is missing. All personal data is invented (example.com addresses,
/// drama-range phone numbers).
/// </summary>
public sealed class DemoSeeder(IServiceScopeFactory scopes, TimeProvider clock)
{
    public const string OperatorSubject = "demo-seeder";

    public sealed record Topic(string Product, string Category, string Description, bool PaymentServices = false, bool Disability = false);

    public sealed record DemoTenant(string Slug, string Name, Sector Sector, Jurisdiction Jurisdiction, string Currency,
        string ReferralBody, string PhonePrefix, string Country, IReadOnlyList<Topic> Topics);

    public sealed record StaffSeat(string Subject, Role Role, StaffKind Kind);

    public sealed record SeededTenant(DemoTenant Demo, Guid TenantId, IReadOnlyList<StaffSeat> Staff, int ConsumersAdded,
        int ComplaintsAdded);

    public static readonly IReadOnlyList<DemoTenant> Tenants =
    [
        new("albion-bank", "Demo: Albion Bank", Sector.Banking, Jurisdiction.UK, "GBP", "Financial Ombudsman Service", "+44 7700 9",
            "GB",
            [
                new("current_account", "fees", "Charged an unarranged overdraft fee after a salary payment arrived late."),
                new("credit_card", "fraud", "A card payment I did not make was not refunded.", PaymentServices: true),
                new("mortgage", "arrears", "My payment plan was not applied and arrears letters kept coming."),
                new("savings", "interest", "The bonus rate ended without the notice I was promised."),
                new("payments", "failed_transfer", "A faster payment to my landlord never arrived.", PaymentServices: true),
            ]),
        new("britline-telecom", "Demo: Britline Telecom", Sector.Telecom, Jurisdiction.UK, "GBP", "Communications Ombudsman", "+44 7700 9",
            "GB",
            [
                new("broadband", "speed", "Broadband speed is far below the minimum guaranteed at sale."),
                new("mobile", "billing", "Roaming charges appeared for days I was at home."),
                new("landline", "fault", "The line has been dead for two weeks and no engineer came."),
                new("tv", "contract", "The price rose mid-contract without the notice the contract requires."),
            ]),
        new("liberty-air", "Demo: Liberty Air", Sector.Airline, Jurisdiction.US, "USD", "US Department of Transportation", "+1 202 555 01",
            "US",
            [
                new("flight", "delay", "The flight left nine hours late and the meal vouchers were refused."),
                new("flight", "cancellation", "The flight was cancelled and the refund was offered only as a voucher."),
                new("baggage", "lost", "My checked bag has not been found after three weeks."),
                new("accessibility", "assistance", "The wheelchair assistance booked in advance was not at the gate.", Disability: true),
            ]),
    ];

    private static readonly string[] FirstNames =
        ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Grace", "Leo", "Freya", "Oscar", "Lily", "Harry", "Ella", "Jack"];

    private static readonly string[] LastNames =
        ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker"];

    /// <summary>A demo tenant's queues and which agents work them.</summary>
    public sealed record QueueSeat(string Code, string Name, IReadOnlyList<int> Agents);

    /// <summary>
    /// Every demo tenant's queues: general complaints, worked by all three agents, and vulnerable customers, worked by the
    /// third agent only (complaints of consumers with recorded vulnerability are filed there).
    /// </summary>
    public static readonly IReadOnlyList<QueueSeat> Queues =
    [
        new("general", "General complaints", [1, 2, 3]),
        new("vulnerable-customers", "Vulnerable customers", [3]),
    ];

    /// <summary>The staff of a demo tenant: one per role (three agents), the integration role as a service account.</summary>
    public static IReadOnlyList<StaffSeat> StaffOf(DemoTenant demo) =>
    [
        new($"{demo.Slug}-admin", Role.TenantAdmin, StaffKind.User),
        new($"{demo.Slug}-supervisor", Role.Supervisor, StaffKind.User),
        new($"{demo.Slug}-agent-1", Role.Agent, StaffKind.User),
        new($"{demo.Slug}-agent-2", Role.Agent, StaffKind.User),
        new($"{demo.Slug}-agent-3", Role.Agent, StaffKind.User),
        new($"{demo.Slug}-auditor", Role.Auditor, StaffKind.User),
        new($"{demo.Slug}-integration", Role.Integration, StaffKind.ServiceAccount),
    ];

    public async Task<IReadOnlyList<SeededTenant>> SeedAsync(int consumersPerTenant, Action<string> progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(consumersPerTenant);
        var seeded = new List<SeededTenant>();
        for (var t = 0; t < Tenants.Count; t++)
        {
            seeded.Add(await SeedTenantAsync(t, consumersPerTenant, progress, ct));
        }

        return seeded;
    }

    private async Task<SeededTenant> SeedTenantAsync(int tenantIndex, int consumers, Action<string> progress, CancellationToken ct)
    {
        var demo = Tenants[tenantIndex];
        var staff = StaffOf(demo);
        var admin = staff[0].Subject;
        var tenantId = await EnsureTenantAsync(demo, admin, ct);
        var staffIds = await EnsureStaffAsync(tenantId, staff, ct);
        await EnsureQueuesAsync(demo, tenantId, admin, staffIds, ct);

        int consumersAdded = 0, complaintsAdded = 0;
        for (var i = 1; i <= consumers; i++)
        {
            var externalRef = $"DEMO-{i:D6}";
            var existing = await QueryAsync(tenantId, admin, new FindConsumersQuery(externalRef, null, 1, null), ct);
            if (existing.Items.Count > 0)
            {
                continue; // seeded by an earlier run, with its complaints
            }

            var rng = new Random(tenantIndex * 1_000_003 + i);
            var consumer = await CommandAsync(tenantId, admin, NewConsumer(demo, i, externalRef, rng), ct);
            consumersAdded++;
            var complaints = rng.NextDouble() < 0.2 ? 2 : 1;
            for (var c = 0; c < complaints; c++)
            {
                complaintsAdded += await FileAndWorkAsync(demo, tenantId, staff, staffIds, consumer, rng, ct);
            }

            if (i % 250 == 0)
            {
                progress($"{demo.Name}: {i:N0} of {consumers:N0} consumers");
            }
        }

        progress($"{demo.Name}: {consumersAdded:N0} consumers and {complaintsAdded:N0} complaints added");
        return new SeededTenant(demo, tenantId, staff, consumersAdded, complaintsAdded);
    }

    private async Task<Guid> EnsureTenantAsync(DemoTenant demo, string adminSubject, CancellationToken ct)
    {
        var found = await OperatorAsync(new ListTenantsQuery(demo.Name, 1, null), ct);
        if (found.Items.Count > 0)
        {
            return found.Items[0].Id;
        }

        var created = await OperatorAsync(new CreateTenantCommand(demo.Name, demo.Sector, demo.Jurisdiction,
            new TenantAdminInput(adminSubject, $"{adminSubject}@example.com", "Demo tenant admin")), ct);
        return created.Id;
    }

    /// <summary>Adds the seats that are missing; answers every seat's staff id by subject.</summary>
    private async Task<IReadOnlyDictionary<string, Guid>> EnsureStaffAsync(Guid tenantId, IReadOnlyList<StaffSeat> staff, CancellationToken ct)
    {
        var admin = staff[0].Subject;
        var ids = new Dictionary<string, Guid>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await QueryAsync(tenantId, admin, new ListStaffQuery(Limits.MaxPageSize, cursor), ct);
            foreach (var member in page.Items)
            {
                ids[member.Subject] = member.Id;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        foreach (var seat in staff.Where(s => !ids.ContainsKey(s.Subject)))
        {
            var added = await CommandAsync(tenantId, admin, new AddStaffCommand(seat.Subject, $"{seat.Subject}@example.com",
                $"Demo {seat.Role}", [seat.Role], seat.Kind), ct);
            ids[seat.Subject] = added.Id;
        }

        return ids;
    }

    /// <summary>
    /// Creates the queues that are missing and, when any was created, gives the agents their queues (so a second run, which
    /// finds them all, writes nothing).
    /// </summary>
    private async Task EnsureQueuesAsync(DemoTenant demo, Guid tenantId, string admin, IReadOnlyDictionary<string, Guid> staffIds,
        CancellationToken ct)
    {
        var existing = (await QueryAsync(tenantId, admin, new ListQueuesQuery(Limits.MaxPageSize, null), ct)).Items
            .Select(q => q.Code).ToHashSet(StringComparer.Ordinal);
        var missing = Queues.Where(q => !existing.Contains(q.Code)).ToList();
        foreach (var queue in missing)
        {
            await CommandAsync(tenantId, admin, new CreateQueueCommand(queue.Code, queue.Name), ct);
        }

        if (missing.Count == 0)
        {
            return;
        }

        for (var agent = 1; agent <= 3; agent++)
        {
            var codes = Queues.Where(q => q.Agents.Contains(agent)).Select(q => q.Code).ToList();
            await CommandAsync(tenantId, admin, new ReplaceStaffQueuesCommand(staffIds[$"{demo.Slug}-agent-{agent}"], codes, null), ct);
        }
    }

    private static RegisterConsumerCommand NewConsumer(DemoTenant demo, int i, string externalRef, Random rng)
    {
        var first = FirstNames[rng.Next(FirstNames.Length)];
        var last = LastNames[rng.Next(LastNames.Length)];
        var vulnerable = rng.NextDouble() < 0.08;
        return new RegisterConsumerCommand(externalRef, $"{first} {last}", $"{first}.{last}.{i}@example.com".ToLowerInvariant(),
            $"{demo.PhonePrefix}{rng.Next(0, 100):D2}",
            new AddressDto([$"{rng.Next(1, 200)} Demo Street"], demo.Country == "US" ? "Springfield" : "Demoton",
                demo.Country == "US" ? $"{rng.Next(10000, 99999)}" : "ZZ99 9ZZ", demo.Country),
            new DateOnly(1940 + rng.Next(0, 65), rng.Next(1, 13), rng.Next(1, 29)),
            vulnerable ? new VulnerabilityDto([(VulnerabilityDriver)rng.Next(0, 4)], ConsentRecorded: true) : null);
    }

    /// <summary>The states a demo complaint is taken to, with their share of the whole.</summary>
    private enum Target { Received, Acknowledged, Investigating, AwaitingConsumer, Resolved, Closed, Merged, Referred, ReferralClosed, Reopened }

    private static Target PickTarget(Random rng) => rng.NextDouble() switch
    {
        < 0.12 => Target.Received,
        < 0.24 => Target.Acknowledged,
        < 0.44 => Target.Investigating,
        < 0.54 => Target.AwaitingConsumer,
        < 0.66 => Target.Resolved,
        < 0.84 => Target.Closed,
        < 0.88 => Target.Merged,
        < 0.94 => Target.Referred,
        < 0.97 => Target.ReferralClosed,
        _ => Target.Reopened,
    };

    /// <summary>Files a complaint and works it to a picked state; answers how many complaints it filed (a merge files a duplicate).</summary>
    private async Task<int> FileAndWorkAsync(DemoTenant demo, Guid tenantId, IReadOnlyList<StaffSeat> staff,
        IReadOnlyDictionary<string, Guid> staffIds, ConsumerDto consumer, Random rng, CancellationToken ct)
    {
        var topic = demo.Topics[rng.Next(demo.Topics.Count)];
        // A vulnerable consumer's complaint goes to the vulnerable-customers queue and to an agent who works it.
        var queue = Queues[consumer.Vulnerability is not null ? 1 : 0];
        var agent = $"{demo.Slug}-agent-{queue.Agents[rng.Next(queue.Agents.Count)]}";
        var supervisor = staff.Single(s => s.Role == Role.Supervisor).Subject;
        var filer = rng.NextDouble() < 0.3 ? staff.Single(s => s.Role == Role.Integration).Subject : agent;

        // Received up to 16 weeks ago, most of them recently: open ones older than a profile's limit are overdue.
        var daysAgo = Math.Pow(rng.NextDouble(), 1.6) * 112;
        var receivedAt = clock.GetUtcNow().AddDays(-daysAgo);
        var channel = (Channel)rng.Next(0, 6);
        var complaint = await CommandAsync(tenantId, filer, new FileComplaintCommand(consumer.Id, channel, topic.Product, topic.Category,
            topic.Description, receivedAt, rng.NextDouble() < 0.1 ? Priority.High : Priority.Normal,
            consumer.Vulnerability is not null, topic.PaymentServices, topic.Disability)
        { Queue = queue.Code }, ct);

        var target = PickTarget(rng);
        if (target == Target.Received)
        {
            return 1;
        }

        if (target == Target.Merged)
        {
            // The consumer complained again about the same matter through another channel; the agent merges that
            // duplicate into the first complaint, which keeps the earlier received date.
            var duplicate = await CommandAsync(tenantId, agent, new FileComplaintCommand(consumer.Id, Channel.Email, topic.Product,
                topic.Category, topic.Description, Min(receivedAt.AddHours(rng.Next(1, 72)), clock.GetUtcNow()), Priority.Normal,
                consumer.Vulnerability is not null, topic.PaymentServices, topic.Disability)
            { Queue = queue.Code }, ct);
            await CommandAsync(tenantId, agent, new MergeComplaintsCommand(complaint.Id, complaint.Version, duplicate.Id), ct);
            return 2;
        }

        complaint = await CommandAsync(tenantId, agent, new AcknowledgeComplaintCommand(complaint.Id, complaint.Version), ct);
        if (target == Target.Acknowledged)
        {
            return 1;
        }

        complaint = await CommandAsync(tenantId, agent, new AssignComplaintCommand(complaint.Id, complaint.Version, staffIds[agent]), ct);
        complaint = await CommandAsync(tenantId, agent, new StartInvestigationCommand(complaint.Id, complaint.Version), ct);
        if (rng.NextDouble() < 0.4)
        {
            await CommandAsync(tenantId, agent, new AddNoteCommand(complaint.Id, NoteKind.Internal,
                "Checked the account history and the call recordings."), ct);
        }

        if (target == Target.Investigating)
        {
            return 1;
        }

        if (target == Target.AwaitingConsumer)
        {
            await CommandAsync(tenantId, agent, new AddNoteCommand(complaint.Id, NoteKind.ConsumerCommunication,
                "Asked the consumer for the statement showing the charge."), ct);
            await CommandAsync(tenantId, agent, new AwaitConsumerCommand(complaint.Id, complaint.Version), ct);
            return 1;
        }

        var outcome = (Outcome)rng.Next(0, 3);
        var redress = outcome == Outcome.NotUpheld
            ? null
            : new RedressDto(new MoneyDto(rng.Next(1, 500) * 500L, demo.Currency), rng.NextDouble() < 0.3 ? "Apology letter" : null);
        complaint = await CommandAsync(tenantId, agent, new ResolveComplaintCommand(complaint.Id, complaint.Version, outcome, redress,
            topic.Category), ct);
        if (target == Target.Resolved)
        {
            return 1;
        }

        if (target is Target.Referred or Target.ReferralClosed)
        {
            complaint = await CommandAsync(tenantId, agent, new ReferComplaintCommand(complaint.Id, complaint.Version, demo.ReferralBody,
                $"REF-{rng.Next(100_000, 999_999)}"), ct);
            if (target == Target.Referred)
            {
                return 1;
            }

            complaint = await CommandAsync(tenantId, agent, new RecordReferralOutcomeCommand(complaint.Id, complaint.Version,
                (ReferralOutcome)rng.Next(0, 5)), ct);
        }

        complaint = await CommandAsync(tenantId, agent, new CloseComplaintCommand(complaint.Id, complaint.Version), ct);
        if (target == Target.Reopened)
        {
            await CommandAsync(tenantId, supervisor, new ReopenComplaintCommand(complaint.Id, complaint.Version), ct);
        }

        return 1;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private Task<T> OperatorAsync<T>(ICommand<Result<T>> command, CancellationToken ct) =>
        InScopeAsync(p => p.ActAsPlatformOperator(OperatorSubject), s => s.Send(command, ct), ct);

    private Task<T> OperatorAsync<T>(IQuery<Result<T>> query, CancellationToken ct) =>
        InScopeAsync(p => p.ActAsPlatformOperator(OperatorSubject), s => s.Send(query, ct), ct);

    private Task<T> CommandAsync<T>(Guid tenantId, string subject, ICommand<Result<T>> command, CancellationToken ct) =>
        InScopeAsync(p => p.ActAsStaff(tenantId, subject), s => s.Send(command, ct), ct);

    private Task<T> QueryAsync<T>(Guid tenantId, string subject, IQuery<Result<T>> query, CancellationToken ct) =>
        InScopeAsync(p => p.ActAsStaff(tenantId, subject), s => s.Send(query, ct), ct);

    /// <summary>One operation, one scope: its own session and transaction, as one HTTP request would have.</summary>
    private async Task<T> InScopeAsync<T>(Action<CliPrincipal> actAs, Func<ISender, ValueTask<Result<T>>> send, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await using var scope = scopes.CreateAsyncScope();
        actAs(scope.ServiceProvider.GetRequiredService<CliPrincipal>());
        var result = await send(scope.ServiceProvider.GetRequiredService<ISender>());
        return result.IsSuccess
            ? result.Value
            : throw new InvalidOperationException($"The demo seed was refused: {result.Error!.Code} ({result.Error.Message})");
    }
}
