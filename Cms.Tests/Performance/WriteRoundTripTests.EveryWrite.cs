using Cms.Application.Common;
using Cms.Tests.Api;
using static Cms.Tests.Api.PermissionMatrixApiTests;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    /// <summary>
    /// The round trips of each write use case on PostgreSQL with a warm cache, as measured on 2026-12-07 (issue 17): a
    /// ceiling, so a change that adds one fails here. Complaint writes and a consumer's registration: three. The queue move
    /// here targets a queue created just before (its creation renews the reference stamp: the look-up is read once more,
    /// 3 with a warm cache, WriteRoundTripTests.ComplaintWrites). Lower one when you make its use case faster.
    /// Above three, and why (docs/adr/0011 part 5): a staff queue change 4 (the change before it renewed the stamp, so its
    /// queue look-ups are read once: 3 with a warm cache); an erasure 5 (it reads the consumer's complaints
    /// and notes still in plaintext to convert them); a return mapping 4 (its answer is read back: the database's collation
    /// orders it); offboarding 7, the FCA snapshot, the import as measured (not yet reworked). A tenant's suspension,
    /// reactivation and export: 3 (part 7: the registry row read locked with its offboarding flag, the status update held
    /// under the platform's scope in front of the tenant's setting). A letter's draft, approval and sending: 3 (part 7: the
    /// letter, the addressee and a template not yet cached travel with the complaint's load).
    /// </summary>
    private static readonly IReadOnlyDictionary<UseCase, int> MeasuredRoundTrips = new Dictionary<UseCase, int>
    {
        [UseCase.AcknowledgeComplaint] = 3,
        [UseCase.AddNote] = 3,
        [UseCase.AssignComplaint] = 3,
        [UseCase.AwaitConsumer] = 3,
        [UseCase.CloseComplaint] = 3,
        [UseCase.CorrectReceivedAt] = 3,
        [UseCase.FileComplaint] = 3,
        [UseCase.MergeComplaints] = 3,
        [UseCase.MoveComplaintQueue] = 4,
        [UseCase.ReclassifyComplaint] = 3,
        [UseCase.RecordProvisionalCredit] = 3,
        [UseCase.RecordReferralOutcome] = 3,
        [UseCase.RecordResponse] = 3,
        [UseCase.RecordVulnerability] = 3,
        [UseCase.ReferComplaint] = 3,
        [UseCase.ReopenComplaint] = 3,
        [UseCase.ResolveComplaint] = 3,
        [UseCase.SetDisability] = 3,
        [UseCase.SetPaymentServices] = 3,
        [UseCase.StartInvestigation] = 3,
        [UseCase.AddStaff] = 3,
        [UseCase.ApproveLetter] = 3,
        [UseCase.CreateLegalEntity] = 2,
        [UseCase.CreateQueue] = 3,
        [UseCase.CreateTenant] = 3,
        [UseCase.CreateWebhook] = 3,
        [UseCase.DeactivateStaff] = 3,
        [UseCase.DeleteWebhook] = 3,
        [UseCase.DraftLetter] = 3,
        [UseCase.EraseConsumer] = 5,
        [UseCase.ExportTenant] = 3,
        [UseCase.ImportConsumers] = 7,
        [UseCase.OffboardTenant] = 7,
        [UseCase.PublishLetterTemplate] = 3,
        [UseCase.PublishTaxonomy] = 3,
        [UseCase.ReactivateTenant] = 3,
        [UseCase.RecordLetterSent] = 3,
        [UseCase.RegisterConsumer] = 3,
        [UseCase.RemoveClosureDay] = 3,
        [UseCase.ReplaceReturnMapping] = 3,
        [UseCase.ReplaceStaffQueues] = 3,
        [UseCase.ReplaceStaffRoles] = 3,
        [UseCase.ReplayWebhook] = 3,
        [UseCase.RetireQueue] = 3,
        [UseCase.SetClosureDay] = 3,
        [UseCase.SetLegalHold] = 3,
        [UseCase.SetRetentionSchedule] = 3,
        [UseCase.SuspendTenant] = 3,
        [UseCase.TakeFcaReturnSnapshot] = 7,
        [UseCase.UpdateClockSettings] = 3,
        [UseCase.UpdateConsumer] = 3,
        [UseCase.UpdateLegalEntity] = 3,
        [UseCase.UpdateWebhook] = 3,
    };

    /// <summary>Every write route of the API (the permission matrix's rows whose method writes).</summary>
    public static IEnumerable<Row> WriteRows => Rows.Where(r => !r.Route.StartsWith("GET ", StringComparison.Ordinal));

    /// <summary>
    /// Every write route, with the tenant's reference data in the cache (the same request has run once before): the round
    /// trips of its use case's transactions, measured as the caller the matrix allows first (the tenant admin for most),
    /// are at most the ones measured.
    /// </summary>
    [TestCaseSource(nameof(WriteRows))]
    public async Task Every_write_route_takes_no_more_round_trips_than_measured(Row row)
    {
        var world = await World.CreateAsync(await CreateTenantAsync(), Platform);
        var caller = Enum.GetValues<Caller>().First(c => PermissionMatrixApiTests.Allowed(row.UseCase, c));
        var client = world.Clients[caller];
        using (var warm = await row.Build(world))
        {
            using var response = await client.SendAsync(warm);
            Assert.That(response.StatusCode, Is.EqualTo(row.Success), await response.Content.ReadAsStringAsync());
        }

        using var request = await row.Build(world);
        var trips = await RoundTripsOfAsync(row.UseCase.ToString(), async () =>
        {
            using var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(row.Success), await response.Content.ReadAsStringAsync());
        });
        await TestContext.Out.WriteLineAsync($"ROUNDTRIPS\t{row.Route}\t{row.UseCase}\t{trips}");
        Assert.That(MeasuredRoundTrips.ContainsKey(row.UseCase), $"{row.UseCase} has no measured figure: add it to MeasuredRoundTrips");
        Assert.That(trips, Is.InRange(1, MeasuredRoundTrips[row.UseCase]), $"round trips of {row}");
    }
}
