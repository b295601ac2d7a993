using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;

namespace Cms.Tests.Infrastructure;

public sealed partial class RepositoryTests
{
    [Test]
    public void Cursors_round_trip_and_refuse_what_they_did_not_make()
    {
        var at = Odd(DateTimeOffset.UtcNow);
        var id = Ids.New();
        Assert.That(Cursor.TryDecode(Cursor.Encode(new CursorKey(at, id)), out var withAt), Is.True);
        Assert.That(withAt, Is.EqualTo(new CursorKey(at, id)));
        Assert.That(Cursor.TryDecode(Cursor.Encode(new CursorKey(null, id)), out var withoutAt), Is.True);
        Assert.That(withoutAt, Is.EqualTo(new CursorKey(null, id)));
        Assert.That(Cursor.TryDecode(null, out var none), Is.True);
        Assert.That(none, Is.Null);
        Assert.That(Cursor.TryDecode("", out _), Is.True);

        foreach (var bad in new[] { "%%%", "bm90LWEtY3Vyc29y", new string('A', 201),
                     System.Buffers.Text.Base64Url.EncodeToString("v2|1|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|abc|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|-5|00000000000000000000000000000000"u8),
                     System.Buffers.Text.Base64Url.EncodeToString("v1|1|not-a-guid"u8) })
        {
            Assert.That(Cursor.TryDecode(bad, out _), Is.False, bad);
        }

        var rows = Enumerable.Range(0, 5).ToList();
        var page = Cursor.ToPage(rows, 4, r => new CursorKey(null, new Guid(r, 0, 0, new byte[8])));
        Assert.That(page.Items, Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(Cursor.TryDecode(page.NextCursor, out var next), Is.True);
        Assert.That(next!.Id, Is.EqualTo(new Guid(3, 0, 0, new byte[8])));
        Assert.That(Cursor.ToPage(rows, 5, r => new CursorKey(null, Guid.Empty)).NextCursor, Is.Null);
    }

    /// <summary>Pages through a list with the given page size until no cursor is left; returns every item in order.</summary>
    private static async Task<(List<T> Items, int Pages)> PageThroughAsync<T>(int limit, Func<CursorKey?, Task<Page<T>>> fetch)
    {
        var items = new List<T>();
        var pages = 0;
        CursorKey? after = null;
        while (true)
        {
            var page = await fetch(after);
            pages++;
            Assert.That(page.Items, Has.Count.LessThanOrEqualTo(limit));
            items.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                return (items, pages);
            }

            Assert.That(page.Items, Has.Count.EqualTo(limit), "only the last page is short");
            Assert.That(Cursor.TryDecode(page.NextCursor, out after), Is.True);
            Assert.That(pages, Is.LessThan(100), "paging must end");
        }
    }

    [Test]
    public async Task Keyset_paging_walks_every_list_once_in_order()
    {
        var (tenantId, staff, consumer) = await TenantWithStaffAndConsumerAsync();
        var now = DateTimeOffset.UtcNow;
        var baseTime = Odd(now.AddDays(-10));

        // Complaints: two share a received_at (the id breaks the tie); one of another category.
        var receivedTimes = new[] { baseTime.AddMinutes(3), baseTime, baseTime.AddMinutes(1), baseTime.AddMinutes(1), baseTime.AddMinutes(-5), baseTime.AddMinutes(2) };
        var complaints = receivedTimes.Select((r, i) => NewComplaint(tenantId, consumer.Id, now, r, category: i == 5 ? "other" : "fees")).ToList();
        var extraStaff = Enumerable.Range(0, 4).Select(_ => NewStaff(tenantId, now)).ToList();
        var sameEmail = Enumerable.Range(0, 5).Select(_ => NewConsumer(tenantId, now, email: "shared@example.test")).ToList();
        var notes = Enumerable.Range(0, 5).Select(i => ComplaintNote.Create(Ids.New(), complaints[0], NoteKind.Internal, $"note {i}", staff.Id, now).Value).ToList();
        // Audit entries are partitioned by month and the migration creates the current month onwards: they happen now
        // (never before now, so also in the first second of a month), not with the back-dated complaints.
        var auditTime = Odd(now.AddSeconds(1));
        var audit = Enumerable.Range(0, 5).Select(i => new AuditEntry(Ids.New(), tenantId, auditTime.AddSeconds(i % 3), ActorType.Staff, staff.Id.ToString(),
            "x", "complaint", complaints[0].Id, [], null)).ToList();
        await InTenantAsync(tenantId, async sp =>
        {
            foreach (var c in complaints)
            {
                await Get<IComplaintRepository>(sp).AddAsync(c, Ct);
            }

            foreach (var s in extraStaff)
            {
                await Get<IStaffRepository>(sp).AddAsync(s, Ct);
            }

            foreach (var c in sameEmail)
            {
                await Get<IConsumerRepository>(sp).AddAsync(c, Ct);
            }

            foreach (var n in notes)
            {
                await Get<IComplaintRepository>(sp).AddNoteAsync(n, Ct);
            }

            foreach (var e in audit)
            {
                await Get<IAuditRepository>(sp).AppendAsync(e, Ct);
            }
        });

        static string Key(Guid id) => id.ToString("D");
        Task<Page<T>> Read<T>(Func<IServiceProvider, Task<Page<T>>> query) => InTenantAsync(tenantId, query, commit: false);

        // Complaints by (received_at, id).
        var expected = complaints.OrderBy(c => c.ReceivedAt).ThenBy(c => Key(c.Id), StringComparer.Ordinal).Select(c => c.Id).ToList();
        var (all, pages) = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 2, after, Ct)));
        Assert.That(all.Select(c => c.Id), Is.EqualTo(expected));
        Assert.That(pages, Is.EqualTo(3));
        var fees = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(Category: "fees"), now, 2, after, Ct)));
        Assert.That(fees.Items.Select(c => c.Id), Is.EqualTo(expected.Where(id => id != complaints[5].Id)));
        var single = await PageThroughAsync(1, after => Read(sp => Get<IComplaintQueries>(sp).ListAsync(new ComplaintFilter(), now, 1, after, Ct)));
        Assert.That(single.Items.Select(c => c.Id), Is.EqualTo(expected));

        // Staff by id.
        var staffIds = extraStaff.Select(s => s.Id).Append(staff.Id).OrderBy(Key, StringComparer.Ordinal).ToList();
        var staffPages = await PageThroughAsync(2, after => Read(sp => Get<IStaffQueries>(sp).ListAsync(2, after, Ct)));
        Assert.That(staffPages.Items.Select(s => s.Id), Is.EqualTo(staffIds));

        // Consumers found by a shared e-mail, by id.
        var consumerPages = await PageThroughAsync(2, after => Read(sp => Get<IConsumerQueries>(sp).FindAsync(null, "shared@example.test", null, 2, after, Ct)));
        Assert.That(consumerPages.Items.Select(c => c.Id), Is.EqualTo(sameEmail.Select(c => c.Id).OrderBy(Key, StringComparer.Ordinal)));

        // Notes by id.
        var notePages = await PageThroughAsync(2, after => Read(sp => Get<IComplaintQueries>(sp).ListNotesAsync(complaints[0].Id, 2, after, Ct)));
        Assert.That(notePages.Items.Select(n => n.Id), Is.EqualTo(notes.Select(n => n.Id).OrderBy(Key, StringComparer.Ordinal)));

        // Audit by (occurred_at, id), with ties.
        var auditPages = await PageThroughAsync(2, after => Read(sp => Get<IAuditQueries>(sp).ListAsync(null, null, 2, after, Ct)));
        Assert.That(auditPages.Items.Select(e => e.Id),
            Is.EqualTo(audit.OrderBy(e => e.OccurredAt).ThenBy(e => Key(e.Id), StringComparer.Ordinal).Select(e => e.Id)));
        var entityPages = await PageThroughAsync(2, after => Read(sp => Get<IAuditQueries>(sp).ListAsync("complaint", complaints[0].Id, 2, after, Ct)));
        Assert.That(entityPages.Items, Has.Count.EqualTo(audit.Count));
    }
}
