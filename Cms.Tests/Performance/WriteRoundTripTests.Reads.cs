using System.Text.Json;
using Cms.Application.Complaints;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    /// <summary>
    /// The hot reads on the same wire count (docs/adr/0023, 0026): a caller this service has read before (here by the
    /// filing) is read again in front of the query, so a complaint by id is one pipeline (the connection reset, BEGIN, the
    /// settings, the caller, the complaint with its deadlines, responses and consumer key, and the ROLLBACK), and the
    /// queue's first page one (the caller, the page, the ROLLBACK). The complaint read that way still opens its sealed
    /// description under the consumer's key.
    /// </summary>
    [Test]
    public async Task A_complaint_by_id_and_the_queue_page_take_one_round_trip_each()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        string answer = "";
        var byId = await RoundTripsOfAsync("GetComplaint", async () =>
            answer = await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}"));
        Assert.That(byId, Is.EqualTo(1), "round trips of one complaint read by id");
        Assert.That(JsonSerializer.Deserialize<ComplaintDto>(answer, Json)!.Description, Is.EqualTo("Charged twice for the same transfer."));

        var queue = await RoundTripsOfAsync("ListComplaints", () => tenant.Admin.GetStringAsync("/v1/complaints?status=received&limit=50"));
        Assert.That(queue, Is.EqualTo(1), "round trips of the queue's first page");
    }
}
