using System.Data.Common;
using System.Net;
using Cms.Tests.Support;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// What the service sets on PostgreSQL for each transaction: the use case as application_name (so a waiting or slow
/// statement is attributable in pg_stat_activity and the server log) and a server-side statement timeout that ends a
/// stuck statement itself. Both are observed from a second session while a request waits on a row lock the test holds.
/// </summary>
public sealed class SessionSettingsTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private const int TimeoutSeconds = 2;

    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string> { ["Cms:Database:CommandTimeoutSeconds"] = TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Opens a transaction that holds the complaint's row lock until the returned connection is disposed.</summary>
    private async Task<DbConnection> LockComplaintAsync(Guid complaintId)
    {
        var connection = Db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN; SELECT 1 FROM complaints WHERE id = @id FOR UPDATE;";
        var id = command.CreateParameter();
        id.ParameterName = "id";
        id.Value = complaintId;
        command.Parameters.Add(id);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private async Task<IReadOnlyList<(string ApplicationName, string? WaitEventType)>> ServiceBackendsAsync()
    {
        await using var connection = Db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT application_name, wait_event_type FROM pg_stat_activity " +
                              "WHERE application_name LIKE 'cms-api%' AND state = 'active'";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return rows;
    }

    [Test]
    public async Task A_waiting_statement_names_its_use_case_and_the_server_ends_it_at_the_statement_timeout()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        HttpResponseMessage response;
        await using (await LockComplaintAsync(complaint.Id))
        {
            var acknowledge = TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);

            // Poll (bounded) until the request's statement is seen waiting for the lock under its use case's name.
            IReadOnlyList<(string ApplicationName, string? WaitEventType)> waiting = [];
            for (var i = 0; i < 100 && waiting.Count == 0 && !acknowledge.IsCompleted; i++)
            {
                waiting = [.. (await ServiceBackendsAsync()).Where(b => b.WaitEventType == "Lock")];
                if (waiting.Count == 0)
                {
                    await Task.Delay(20);
                }
            }

            Assert.That(waiting.Select(b => b.ApplicationName), Is.EqualTo(new[] { "cms-api/AcknowledgeComplaint" }));

            // The lock is still held: only the server's statement_timeout can end the wait.
            response = await acknowledge.WaitAsync(TimeSpan.FromSeconds(TimeoutSeconds * 10));
        }

        Assert.That((int)response.StatusCode, Is.GreaterThanOrEqualTo(500), "the timed-out change was not applied");
        Assert.That(await ServiceBackendsAsync(), Is.Empty, "no statement of the service is left running");
        var after = await Read<Cms.Application.Complaints.ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        Assert.That(after.Version, Is.EqualTo(complaint.Version), "nothing half-written");
        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
    }
}
