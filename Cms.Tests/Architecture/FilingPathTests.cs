using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Cms.Tests.Support;

namespace Cms.Tests.Architecture;

/// <summary>
/// The files one filing crosses (issue 16: at most 15, listed in docs/architecture.md). The list is measured, not
/// guessed: <c>scripts/filing-path.sh</c> runs <see cref="Files_a_complaint_into_a_queue_cold_then_warm"/> under line
/// coverage without and with warm filings (and with warm reads), and the project files whose lines ran once more per
/// warm filing are the filing's; it fails when they differ from the files docs/architecture.md lists (the steps'
/// table and the list of what they call). Explicit: it measures nothing by itself, and the ordinary suite need not
/// pay for its host (<see cref="FilingPathDocumentTests"/> holds the documented files there).
/// </summary>
[TestFixture]
[Explicit("run by scripts/filing-path.sh under line coverage")]
[NonParallelizable]
public sealed class FilingPathTests() : ApiTestBase(DatabaseKind.Postgres)
{
    /// <summary>The rate limiter's heartbeat beats once, at start: a timer firing more often in the longer run is not the
    /// filing's code.</summary>
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:RateLimit:HeartbeatInterval"] = "01:00:00",
        ["Cms:RateLimit:InstanceExpiry"] = "03:00:00",
    };


    [Test]
    public async Task Files_a_complaint_into_a_queue_cold_then_warm()
    {
        var tenant = await CreateTenantAsync();
        await tenant.CreateQueueAsync("retail");
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id, queue: "retail"); // the tenant's first filing fills the caches

        // scripts/filing-path.sh passes 0 for its baseline run: what differs between the two runs is the warm filing.
        var warmFilings = TestContext.Parameters.Get("warmFilings", 1);
        for (var i = 0; i < warmFilings; i++)
        {
            using var response = await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
            {
                consumerId = consumer.Id,
                channel = "web",
                product = "current_account",
                category = "fees",
                description = "Charged twice for the same transfer.",
                queue = "retail",
            }, Json);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        }

        // The script's third run reads instead: what any tenant request crosses, counted apart from the filing's own files.
        var warmReads = TestContext.Parameters.Get("warmReads", 0);
        for (var i = 0; i < warmReads; i++)
        {
            using var response = await tenant.Admin.GetAsync("/v1/queues");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        }
    }
}

/// <summary>The files docs/architecture.md names for one filing exist, and its steps are at most 15 (issue 16).</summary>
public sealed partial class FilingPathDocumentTests
{
    private const int MaxSteps = 15;

    [Test]
    public void The_documented_files_of_a_filing_exist_and_its_steps_are_at_most_fifteen()
    {
        var (steps, called) = DocumentedFiles();
        Assert.That(steps, Is.Not.Empty, "docs/architecture.md lists the filing's steps in a table");
        Assert.That(called, Is.Not.Empty, "docs/architecture.md lists what the steps call");
        Assert.That(steps.Concat(called), Is.Unique);
        Assert.That(steps.Concat(called).Where(file => !File.Exists(Path.Combine(RepoPaths.Root, file))), Is.Empty, "listed files that do not exist");
        Assert.That(steps, Has.Count.LessThanOrEqualTo(MaxSteps), string.Join(", ", steps));
    }

    /// <summary>The files of the section "One request" of docs/architecture.md: the steps' table (first column) and the
    /// list of what they call (<c>- `Folder/`: File.cs, File.cs</c>).</summary>
    private static (IReadOnlyList<string> Steps, IReadOnlyList<string> Called) DocumentedFiles()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "architecture.md"));
        var section = text[text.IndexOf("## One request", StringComparison.Ordinal)..];
        return ([.. StepRow().Matches(section).Select(match => match.Groups[1].Value)],
            [.. CalledLine().Matches(section).SelectMany(match => match.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries)
                .Select(name => match.Groups[1].Value + name))]);
    }

    [GeneratedRegex(@"^- `([^`]+/)`: (.+?)\r?$", RegexOptions.Multiline)]
    private static partial Regex CalledLine();

    [GeneratedRegex(@"^\| *\d+ *\| *`([^`]+)`", RegexOptions.Multiline)]
    private static partial Regex StepRow();
}
