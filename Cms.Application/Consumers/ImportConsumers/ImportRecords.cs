using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Domain.Common;
using Cms.Domain.Consumers;

namespace Cms.Application.Consumers.ImportConsumers;

/// <summary>The file formats of the bulk consumer import.</summary>
public enum ConsumerImportFormat
{
    /// <summary>One JSON object per line, the body of <c>POST /v1/consumers</c> (application/x-ndjson).</summary>
    JsonLines,

    /// <summary>RFC 4180 CSV with a header row naming the columns (<see cref="CsvConsumerColumns"/>; text/csv).</summary>
    Csv,
}

/// <summary>A record of an import file as read: its first line number and its bytes (null when it was too long).</summary>
public readonly record struct RawRecord(long Line, byte[]? Bytes);

/// <summary>The file's structure is unusable (e.g. a CSV header without the required columns): the whole import is refused.</summary>
public sealed class ConsumerImportFormatException(string message) : Exception(message);

/// <summary>
/// Splits an import stream into records: lines, except that in CSV a line break inside a quoted field continues the record.
/// Bounded memory: a record longer than <see cref="MaxRecordBytes"/> is reported (null bytes) and skipped, never buffered
/// whole. Blank lines are skipped; a UTF-8 byte-order mark is ignored.
/// </summary>
public static class ImportRecords
{
    public const int MaxRecordBytes = 64 * 1024;

    public static async IAsyncEnumerable<RawRecord> ReadAsync(Stream stream, bool csvQuoting,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRecordBytes];
        int start = 0, end = 0, scan = 0;
        long line = 1, recordLine = 1;
        bool inQuotes = false, skipping = false, eof = false, first = true;
        while (true)
        {
            var records = new List<RawRecord>();
            for (; scan < end; scan++)
            {
                var b = buffer[scan];
                if (csvQuoting && b == (byte)'"')
                {
                    inQuotes = !inQuotes;
                }
                else if (b == (byte)'\n')
                {
                    line++;
                    if (!inQuotes)
                    {
                        if (!skipping)
                        {
                            Emit(records, buffer, start, scan, recordLine, ref first);
                        }

                        skipping = false;
                        start = scan + 1;
                        recordLine = line;
                    }
                }
            }

            foreach (var record in records)
            {
                yield return record;
            }

            if (eof)
            {
                if (!skipping && start < end)
                {
                    var last = new List<RawRecord>();
                    Emit(last, buffer, start, end, recordLine, ref first);
                    foreach (var record in last)
                    {
                        yield return record;
                    }
                }

                yield break;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                scan -= start;
                start = 0;
            }
            else if (end == buffer.Length)
            {
                // No record boundary in a full buffer: too long. Report it once, drop what we have, skip to its end.
                if (!skipping)
                {
                    yield return new RawRecord(recordLine, null);
                }

                skipping = true;
                start = end = scan = 0;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            if (read == 0)
            {
                eof = true;
            }

            end += read;
        }
    }

    private static void Emit(List<RawRecord> records, byte[] buffer, int start, int stop, long line, ref bool first)
    {
        var length = stop - start;
        if (length > 0 && buffer[start + length - 1] == (byte)'\r')
        {
            length--;
        }

        var offset = start;
        if (first)
        {
            first = false;
            if (length >= 3 && buffer[offset] == 0xEF && buffer[offset + 1] == 0xBB && buffer[offset + 2] == 0xBF)
            {
                offset += 3;
                length -= 3;
            }
        }

        if (buffer.AsSpan(offset, length).Trim((byte)' ').IsEmpty)
        {
            return;
        }

        records.Add(new RawRecord(line, buffer.AsSpan(offset, length).ToArray()));
    }
}

/// <summary>Turns a JSON line into the consumer it describes, or says (without quoting it) why it cannot.</summary>
public static class JsonLinesConsumers
{
    public static ConsumerImportLine Parse(RawRecord record, JsonSerializerOptions json)
    {
        if (record.Bytes is null)
        {
            return new ConsumerImportLine(record.Line, null, $"The line is longer than {ImportRecords.MaxRecordBytes} bytes.");
        }

        try
        {
            var consumer = JsonSerializer.Deserialize<RegisterConsumerCommand>(record.Bytes, json);
            return consumer is null
                ? new ConsumerImportLine(record.Line, null, "The line is not a JSON object.")
                : new ConsumerImportLine(record.Line, consumer);
        }
        catch (JsonException ex)
        {
            // The path says where, the value itself is never repeated.
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
            return new ConsumerImportLine(record.Line, null, $"The line is not a valid consumer JSON object{where}.");
        }
    }
}

/// <summary>
/// The CSV columns of the import (header names, case-insensitive): externalRef and fullName are required; the rest are
/// optional. An address is given by addressLine1..4, city, postcode and country; vulnerabilityDrivers is a list separated
/// by '|' (health|life_event|resilience|capability), consentRecorded true or false; dateOfBirth is yyyy-mm-dd.
/// </summary>
public sealed class CsvConsumerColumns
{
    public static readonly string[] Known =
    [
        "externalRef", "fullName", "email", "phone", "dateOfBirth", "addressLine1", "addressLine2", "addressLine3", "addressLine4",
        "city", "postcode", "country", "vulnerabilityDrivers", "consentRecorded",
    ];

    private readonly Dictionary<string, int> _index;

    private CsvConsumerColumns(Dictionary<string, int> index) => _index = index;

    public static CsvConsumerColumns FromHeader(RawRecord header)
    {
        if (header.Bytes is null || !Csv.TrySplit(header.Bytes, out var names))
        {
            throw new ConsumerImportFormatException("The CSV header row cannot be read.");
        }

        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i]?.Trim() ?? "";
            if (!Known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ConsumerImportFormatException(
                    $"The CSV header names an unknown column '{Truncate(name)}'; known columns: {string.Join(", ", Known)}.");
            }

            if (!index.TryAdd(name, i))
            {
                throw new ConsumerImportFormatException($"The CSV header names the column '{name}' twice.");
            }
        }

        foreach (var required in new[] { "externalRef", "fullName" })
        {
            if (!index.ContainsKey(required))
            {
                throw new ConsumerImportFormatException($"The CSV header must name the column '{required}'.");
            }
        }

        return new CsvConsumerColumns(index);
    }

    public ConsumerImportLine Parse(RawRecord record)
    {
        if (record.Bytes is null)
        {
            return new ConsumerImportLine(record.Line, null, $"The record is longer than {ImportRecords.MaxRecordBytes} bytes.");
        }

        if (!Csv.TrySplit(record.Bytes, out var fields))
        {
            return new ConsumerImportLine(record.Line, null, "The record is not valid CSV (a quote is not closed or is misplaced).");
        }

        if (fields.Count != _index.Count)
        {
            return new ConsumerImportLine(record.Line, null, $"The record has {fields.Count} fields; the header names {_index.Count}.");
        }

        string? Get(string column) => _index.TryGetValue(column, out var i) && !string.IsNullOrEmpty(fields[i]) ? fields[i] : null;

        DateOnly? dateOfBirth = null;
        if (Get("dateOfBirth") is { } dob)
        {
            if (!DateOnly.TryParseExact(dob, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                return new ConsumerImportLine(record.Line, null, "'dateOfBirth' is not a date in the form yyyy-mm-dd.");
            }

            dateOfBirth = parsed;
        }

        AddressDto? address = null;
        var lines = new[] { Get("addressLine1"), Get("addressLine2"), Get("addressLine3"), Get("addressLine4") }
            .Where(l => l is not null).Select(l => l!).ToList();
        if (lines.Count > 0 || Get("city") is not null || Get("postcode") is not null || Get("country") is not null)
        {
            address = new AddressDto(lines, Get("city"), Get("postcode"), Get("country")!);
        }

        VulnerabilityDto? vulnerability = null;
        var driversText = Get("vulnerabilityDrivers");
        var consentText = Get("consentRecorded");
        if (driversText is not null || consentText is not null)
        {
            var drivers = new List<VulnerabilityDriver>();
            foreach (var name in (driversText ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!WireNames.TryParse<VulnerabilityDriver>(name, out var driver))
                {
                    return new ConsumerImportLine(record.Line, null,
                        $"'vulnerabilityDrivers' may contain only: {string.Join(", ", WireNames.All<VulnerabilityDriver>())}.");
                }

                drivers.Add(driver);
            }

            var consent = false;
            if (consentText is not null && !bool.TryParse(consentText, out consent))
            {
                return new ConsumerImportLine(record.Line, null, "'consentRecorded' must be true or false.");
            }

            vulnerability = new VulnerabilityDto(drivers, consent);
        }

        return new ConsumerImportLine(record.Line, new RegisterConsumerCommand(Get("externalRef"), Get("fullName"), Get("email"),
            Get("phone"), address, dateOfBirth, vulnerability));
    }

    private static string Truncate(string name) => name.Length <= 40 ? name : name[..40] + "…";
}

/// <summary>RFC 4180 field splitting of one record (quotes doubled inside quoted fields).</summary>
public static class Csv
{
    public static bool TrySplit(byte[] record, out List<string?> fields)
    {
        var text = Encoding.UTF8.GetString(record);
        fields = [];
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        return false;
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    return false;
                }
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    if (text[i] == '"')
                    {
                        return false;
                    }

                    field.Append(text[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= text.Length)
            {
                return true;
            }

            i++; // the comma
        }
    }
}
