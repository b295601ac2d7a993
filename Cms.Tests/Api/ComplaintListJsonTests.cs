using System.Buffers;
using System.Text;
using System.Text.Json;
using Cms.Api;
using Cms.Api.Http;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;

namespace Cms.Tests.Api;

/// <summary>
/// The complaint list's answer written by hand (<see cref="ComplaintListJson"/>) is, byte for byte, what the API's own JSON
/// options write for the same page: every member, in order, with nulls, escaping, instants and the enums' wire names. A
/// member added to <see cref="ComplaintSummaryDto"/> and not to the writer fails here.
/// </summary>
public sealed class ComplaintListJsonTests
{
    private static JsonSerializerOptions ApiOptions()
    {
        // as the host makes them: ASP.NET Core's web defaults, then the API's settings (CmsApi.ConfigureJson)
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        CmsApi.ConfigureJson(options);
        return options;
    }

    private static string Written(Page<ComplaintSummaryDto> page)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ComplaintListJson.Write(writer, page);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static ComplaintSummaryDto Row(Channel channel, Priority priority, ComplaintStatus status, bool optionals, string text) =>
        new(Guid.CreateVersion7(), $"CMP-2026-{text}", Guid.CreateVersion7(), channel, $"product {text}", $"category {text}", priority,
            status, optionals ? Guid.CreateVersion7() : null, new DateTimeOffset(2026, 12, 7, 21, 0, 0, 123, TimeSpan.Zero).AddTicks(4567),
            optionals ? new DateTimeOffset(2026, 12, 9, 9, 30, 0, TimeSpan.Zero) : null, optionals, optionals ? 7 : long.MaxValue)
        {
            QueueId = optionals ? Guid.CreateVersion7() : null,
        };

    [Test]
    public void A_page_with_every_member_set_and_unset_is_written_as_the_api_options_write_it()
    {
        var rows = new List<ComplaintSummaryDto>();
        foreach (var channel in Enum.GetValues<Channel>())
        {
            foreach (var status in Enum.GetValues<ComplaintStatus>())
            {
                var priority = Enum.GetValues<Priority>()[rows.Count % Enum.GetValues<Priority>().Length];
                // characters the default encoder escapes (HTML-sensitive, quotes, non-ASCII, control, line separator)
                rows.Add(Row(channel, priority, status, rows.Count % 2 == 0, $"<b>&'\"é\u2028\t{rows.Count}"));
            }
        }

        var page = new Page<ComplaintSummaryDto>(rows, "djF8NjM5Mjc0NzQ2NDMyNjU5NzAwfDAw");

        Assert.That(Written(page), Is.EqualTo(JsonSerializer.Serialize(page, ApiOptions())));
    }

    [Test]
    public void An_empty_last_page_is_written_as_the_api_options_write_it()
    {
        var page = new Page<ComplaintSummaryDto>([], null);

        Assert.That(Written(page), Is.EqualTo(JsonSerializer.Serialize(page, ApiOptions())));
        Assert.That(Written(page), Is.EqualTo("""{"items":[],"nextCursor":null}"""));
    }
}
