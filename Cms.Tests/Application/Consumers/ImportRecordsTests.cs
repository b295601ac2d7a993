using System.Text;
using Cms.Application.Consumers.ImportConsumers;

namespace Cms.Tests.Application.Consumers;

/// <summary>How the bulk import cuts a stream into records: bounded memory, CSV quotes, line numbers.</summary>
public sealed class ImportRecordsTests
{
    private static async Task<List<(long Line, string? Text)>> ReadAsync(byte[] bytes, bool csv)
    {
        var result = new List<(long, string?)>();
        await foreach (var record in ImportRecords.ReadAsync(new MemoryStream(bytes), csv, CancellationToken.None))
        {
            result.Add((record.Line, record.Bytes is null ? null : Encoding.UTF8.GetString(record.Bytes)));
        }

        return result;
    }

    [Test]
    public async Task Lines_are_split_on_lf_and_crlf_blank_lines_skipped_and_a_bom_dropped()
    {
        var records = await ReadAsync(Encoding.UTF8.GetBytes("\uFEFFa\r\n\r\nb\nc"), csv: false);
        Assert.That(records, Is.EqualTo(new (long, string?)[] { (1, "a"), (3, "b"), (4, "c") }));
    }

    [Test]
    public async Task A_line_longer_than_the_limit_is_reported_once_and_skipped_without_losing_the_next_lines()
    {
        var huge = new string('x', ImportRecords.MaxRecordBytes * 3);
        var records = await ReadAsync(Encoding.UTF8.GetBytes($"first\n{huge}\nlast\n"), csv: false);
        Assert.That(records, Is.EqualTo(new (long, string?)[] { (1, "first"), (2, null), (3, "last") }));
    }

    [Test]
    public async Task In_csv_a_line_break_inside_quotes_continues_the_record()
    {
        var records = await ReadAsync(Encoding.UTF8.GetBytes("h1,h2\n\"a\nb\",c\nd,e\n"), csv: true);
        Assert.That(records, Is.EqualTo(new (long, string?)[] { (1, "h1,h2"), (2, "\"a\nb\",c"), (4, "d,e") }));
    }

    [Test]
    public void Csv_fields_follow_rfc_4180()
    {
        Assert.That(Csv.TrySplit(Encoding.UTF8.GetBytes("a,\"b,c\",\"d \"\"e\"\"\",,"), out var fields), Is.True);
        Assert.That(fields, Is.EqualTo(new[] { "a", "b,c", "d \"e\"", "", "" }));
        Assert.That(Csv.TrySplit(Encoding.UTF8.GetBytes("a,\"open"), out _), Is.False);
        Assert.That(Csv.TrySplit(Encoding.UTF8.GetBytes("a,b\"c"), out _), Is.False);
    }
}
