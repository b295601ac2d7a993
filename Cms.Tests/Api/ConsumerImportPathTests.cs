using System.Text;
using Cms.Api.Import;
using Cms.Application.Common;
using Cms.Application.Consumers;
using Cms.Application.Consumers.ImportConsumers;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>
/// The bulk import's two PostgreSQL paths (ADR 0020), each on a real server: binary COPY into a temporary staging table
/// then one INSERT … SELECT under the tenant policy on plain PostgreSQL, and the multi-row INSERTs Citus accepts when the
/// database is a Citus coordinator (<c>Cms:Database:Citus</c> forces it here). Both load the same consumers, skip the
/// same duplicates (the first line of a reference wins, within a batch, across batches, also across two batches in flight
/// at once, and against stored consumers, a batch inserting beside the one before it included) and report the same lines; the statements the service sent show which path ran.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class ConsumerImportPathTests(bool citus) : ApiTestBase(DatabaseKind.Postgres)
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Database:Citus"] = citus ? "true" : "false",
        ["Cms:Import:BatchSize"] = "4",
    };

    private static string Line(string externalRef, string name) => $$"""{"externalRef":"{{externalRef}}","fullName":"{{name}}"}""";

    [Test]
    public async Task The_import_takes_its_path_and_loads_the_first_line_of_each_reference()
    {
        var tenant = await CreateTenantAsync();
        await tenant.RegisterConsumerAsync(externalRef: "PATH-STORED");
        var body = string.Join("\n",
            Line("PATH-1", "First One"),
            Line("PATH-2", "Second"),
            Line("PATH-1", "Repeated in its batch"),
            """{"externalRef":"PATH-BAD","fullName":""}""",
            Line("PATH-3", "Third"), // second batch from here (4 lines a batch)
            Line("PATH-2", "Repeated in a later batch"),
            Line("PATH-STORED", "Already stored"),
            Line("PATH-4", "Fourth"),
            Line("PATH-3", "Repeated in the next batch, which runs beside it"), // third batch: waits for the second's commit
            Line("PATH-5", "Fifth"),
            Line("PATH-6", "Sixth"),
            Line("PATH-7", "Seventh"),
            Line("PATH-8", "Eighth"), // fourth batch: none of the third's references, so it inserts beside it
            Line("PATH-4", "Repeated two batches later")) + "\n";

        using var statements = new NpgsqlStatements();
        var report = await Read<ConsumerImportReport>(await tenant.Admin.PostAsync("/v1/consumers/imports",
            new StringContent(body, Encoding.UTF8, "application/x-ndjson")));
        var sent = statements.Sent;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((report.Lines, report.Imported, report.Duplicates, report.Rejected), Is.EqualTo((14L, 8L, 5L, 1L)));
            Assert.That(report.Errors.Select(e => (e.Line, e.Code)), Is.EqualTo(new[]
            {
                (3L, ImportConsumersHandler.DuplicateCode),
                (4L, ImportConsumersHandler.InvalidCode),
                (6L, ImportConsumersHandler.DuplicateCode),
                (7L, ImportConsumersHandler.DuplicateCode),
                (9L, ImportConsumersHandler.DuplicateCode),
                (14L, ImportConsumersHandler.DuplicateCode),
            }));
            var staged = sent.Any(s => s.Contains("CREATE TEMPORARY TABLE consumer_import_staging", StringComparison.Ordinal));
            var rows = sent.Any(s => s.StartsWith("INSERT INTO consumers (", StringComparison.Ordinal) && s.Contains("VALUES ($1", StringComparison.Ordinal));
            Assert.That((staged, rows), Is.EqualTo(citus ? (false, true) : (true, false)), "the path taken");
        }

        foreach (var (reference, name) in new[] { ("PATH-1", "First One"), ("PATH-2", "Second"), ("PATH-3", "Third"), ("PATH-4", "Fourth"), ("PATH-5", "Fifth"),
                     ("PATH-6", "Sixth"), ("PATH-7", "Seventh"), ("PATH-8", "Eighth") })
        {
            var page = await Read<Page<ConsumerDto>>(await tenant.Admin.GetAsync($"/v1/consumers?externalRef={reference}"));
            Assert.That(page.Items.Select(c => c.FullName), Is.EqualTo(new[] { name }), reference);
        }
    }
}
