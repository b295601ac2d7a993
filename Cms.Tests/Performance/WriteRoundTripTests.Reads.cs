using System.Text.Json;
using Cms.Application.Complaints;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    /// <summary>
    /// The hot reads on the same wire count (docs/adr/0023): a complaint by id is the caller (with the connection reset,
    /// BEGIN and the settings), then the complaint with its deadlines, responses and consumer key and the ROLLBACK in one
    /// pipeline; the queue's first page is the caller, then the page with the ROLLBACK. The complaint read that way still
    /// opens its sealed description under the consumer's key.
    /// </summary>
    [Test]
    public async Task A_complaint_by_id_and_the_queue_page_take_two_round_trips_each()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        string answer = "";
        var byId = await RoundTripsOfAsync("GetComplaint", async () =>
            answer = await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}"));
        Assert.That(byId, Is.EqualTo(2), "round trips of one complaint read by id");
        Assert.That(JsonSerializer.Deserialize<ComplaintDto>(answer, Json)!.Description, Is.EqualTo("Charged twice for the same transfer."));

        var queue = await RoundTripsOfAsync("ListComplaints", () => tenant.Admin.GetStringAsync("/v1/complaints?status=received&limit=50"));
        Assert.That(queue, Is.EqualTo(2), "round trips of the queue's first page");
    }
}
