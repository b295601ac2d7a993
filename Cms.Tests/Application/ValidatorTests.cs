using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Complaints.FileComplaint;
using Cms.Application.Complaints.ListComplaints;
using Cms.Application.Complaints.ResolveComplaint;
using Cms.Application.Consumers;
using Cms.Application.Consumers.RegisterConsumer;
using Cms.Application.Staff.AddStaff;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Application.Fakes;

namespace Cms.Tests.Application;

/// <summary>Table-driven checks of the request validators: each row breaks one thing and names the field it expects.</summary>
public sealed class ValidatorTests
{
    private static string[] FieldsOf<T>(IValidator<T> validator, T request)
    {
        var errors = new ValidationErrors();
        validator.Validate(request, errors);
        return errors.Any ? [.. errors.ToError().Fields!.Keys.Order(StringComparer.Ordinal)] : [];
    }

    private static TestCaseData Row<T>(string name, T request, params string[] fields) =>
        new TestCaseData(request, fields) { TestName = $"{{m}}({name})" };

    // FileComplaintValidator ------------------------------------------------------------------------------------------

    private static readonly FileComplaintCommand File =
        new(Guid.NewGuid(), Channel.Web, "Current account", "Charges", "Charged twice.", null, null, null, null, null);

    public static IEnumerable<TestCaseData> FileRows()
    {
        yield return Row("valid", File);
        yield return Row("valid with every option", File with { Priority = Priority.Urgent, ReceivedAt = DateTimeOffset.UnixEpoch, PaymentServices = true });
        yield return Row("empty consumer id", File with { ConsumerId = Guid.Empty }, "consumerId");
        yield return Row("no channel", File with { Channel = null }, "channel");
        yield return Row("unknown channel", File with { Channel = (Channel)99 }, "channel");
        yield return Row("blank product", File with { Product = "  " }, "product");
        yield return Row("product too long", File with { Product = new string('p', 101) }, "product");
        yield return Row("no category", File with { Category = null }, "category");
        yield return Row("description too long", File with { Description = new string('d', 10_001) }, "description");
        yield return Row("description at the limit", File with { Description = new string('d', 10_000) });
        yield return Row("unknown priority", File with { Priority = (Priority)7 }, "priority");
        yield return Row("everything missing", new FileComplaintCommand(Guid.Empty, null, null, null, null, null, null, null, null, null),
            "category", "channel", "consumerId", "description", "product");
    }

    [TestCaseSource(nameof(FileRows))]
    public void File_complaint(FileComplaintCommand request, string[] fields) =>
        Assert.That(FieldsOf(new FileComplaintValidator(), request), Is.EqualTo(fields));

    // RegisterConsumerValidator ---------------------------------------------------------------------------------------

    private static readonly RegisterConsumerCommand Register = new("CUST-1", "Jane Consumer", "jane@example.test", "+44 (0)20 7946-0000",
        new AddressDto(["1 High Street"], "London", "N1 1AA", "GB"), new DateOnly(1980, 5, 17),
        new VulnerabilityDto([VulnerabilityDriver.Health], true));

    public static IEnumerable<TestCaseData> RegisterRows()
    {
        yield return Row("valid", Register);
        yield return Row("only the required fields", new RegisterConsumerCommand("CUST-1", "Jane", null, null, null, null, null));
        yield return Row("no external ref", Register with { ExternalRef = null }, "externalRef");
        yield return Row("external ref too long", Register with { ExternalRef = new string('x', 101) }, "externalRef");
        yield return Row("blank full name", Register with { FullName = " " }, "fullName");
        yield return Row("e-mail without @", Register with { Email = "jane.example.test" }, "email");
        yield return Row("e-mail with two @", Register with { Email = "jane@@example.test" }, "email");
        yield return Row("e-mail without a dot in the domain", Register with { Email = "jane@localhost" }, "email");
        yield return Row("e-mail with a space", Register with { Email = "jane doe@example.test" }, "email");
        yield return Row("phone with letters", Register with { Phone = "call me 12345" }, "phone");
        yield return Row("phone with too few digits", Register with { Phone = "+44 12" }, "phone");
        yield return Row("address without lines", Register with { Address = new AddressDto([], "London", null, "GB") }, "address.lines");
        yield return Row("address with five lines", Register with { Address = new AddressDto(["a", "b", "c", "d", "e"], null, null, "GB") }, "address.lines");
        yield return Row("lower-case country", Register with { Address = new AddressDto(["1 High Street"], null, null, "gb") }, "address.country");
        yield return Row("blank postcode", Register with { Address = new AddressDto(["1 High Street"], null, " ", "GB") }, "address.postcode");
        yield return Row("born tomorrow", Register with { DateOfBirth = new DateOnly(2026, 3, 24) }, "dateOfBirth");
        yield return Row("born today", Register with { DateOfBirth = new DateOnly(2026, 3, 23) });
        yield return Row("born 131 years ago", Register with { DateOfBirth = new DateOnly(1895, 3, 22) }, "dateOfBirth");
        yield return Row("unknown vulnerability driver", Register with { Vulnerability = new VulnerabilityDto([(VulnerabilityDriver)9], true) },
            "vulnerability.drivers");
    }

    [TestCaseSource(nameof(RegisterRows))]
    public void Register_consumer(RegisterConsumerCommand request, string[] fields) =>
        Assert.That(FieldsOf(new RegisterConsumerValidator(new SettableTimeProvider(World.Start)), request), Is.EqualTo(fields));

    // ResolveComplaintValidator ---------------------------------------------------------------------------------------

    private static readonly ResolveComplaintCommand Resolve = new(Guid.NewGuid(), 3, Outcome.Upheld,
        new RedressDto(new MoneyDto(2500, "GBP"), "An apology."), "billing_error");

    public static IEnumerable<TestCaseData> ResolveRows()
    {
        yield return Row("valid", Resolve);
        yield return Row("no redress, no root cause", Resolve with { Redress = null, RootCause = null });
        yield return Row("no outcome", Resolve with { Outcome = null }, "outcome");
        yield return Row("unknown outcome", Resolve with { Outcome = (Outcome)12 }, "outcome");
        yield return Row("blank root cause", Resolve with { RootCause = "  " }, "rootCause");
        yield return Row("root cause too long", Resolve with { RootCause = new string('r', 101) }, "rootCause");
        yield return Row("negative amount", Resolve with { Redress = new RedressDto(new MoneyDto(-1, "GBP"), null) }, "redress.monetary.amountMinor");
        yield return Row("amount above the limit", Resolve with { Redress = new RedressDto(new MoneyDto(100_000_000_001, "GBP"), null) },
            "redress.monetary.amountMinor");
        yield return Row("lower-case currency", Resolve with { Redress = new RedressDto(new MoneyDto(1, "gbp"), null) }, "redress.monetary.currency");
        yield return Row("non-monetary redress too long", Resolve with { Redress = new RedressDto(null, new string('n', 2001)) }, "redress.nonMonetary");
    }

    [TestCaseSource(nameof(ResolveRows))]
    public void Resolve_complaint(ResolveComplaintCommand request, string[] fields) =>
        Assert.That(FieldsOf(new ResolveComplaintValidator(), request), Is.EqualTo(fields));

    // AddStaffValidator -----------------------------------------------------------------------------------------------

    private static readonly AddStaffCommand AddStaff = new("idp|1", "new@example.test", "New Person", [Role.Agent], StaffKind.User);

    public static IEnumerable<TestCaseData> AddStaffRows()
    {
        yield return Row("valid", AddStaff);
        yield return Row("no subject", AddStaff with { Subject = "" }, "subject");
        yield return Row("subject too long", AddStaff with { Subject = new string('s', 201) }, "subject");
        yield return Row("no e-mail", AddStaff with { Email = null }, "email");
        yield return Row("bad e-mail", AddStaff with { Email = "new@" }, "email");
        yield return Row("no display name", AddStaff with { DisplayName = null }, "displayName");
        yield return Row("no kind", AddStaff with { Kind = null }, "kind");
        yield return Row("unknown kind", AddStaff with { Kind = (StaffKind)5 }, "kind");
        yield return Row("no roles", AddStaff with { Roles = null }, "roles");
        yield return Row("empty roles", AddStaff with { Roles = [] }, "roles");
        yield return Row("unknown role", AddStaff with { Roles = [Role.Agent, (Role)42] }, "roles");
    }

    [TestCaseSource(nameof(AddStaffRows))]
    public void Add_staff(AddStaffCommand request, string[] fields) =>
        Assert.That(FieldsOf(new AddStaffValidator(), request), Is.EqualTo(fields));

    // Paging (ListComplaintsValidator) --------------------------------------------------------------------------------

    private static readonly ListComplaintsQuery List = new(null, null, null, null, null, null, null, null, null, null);

    public static IEnumerable<TestCaseData> ListRows()
    {
        yield return Row("defaults", List);
        yield return Row("limit 1", List with { Limit = 1 });
        yield return Row("limit 200", List with { Limit = 200 });
        yield return Row("limit 0", List with { Limit = 0 }, "limit");
        yield return Row("limit -1", List with { Limit = -1 }, "limit");
        yield return Row("limit 201", List with { Limit = 201 }, "limit");
        yield return Row("an issued cursor", List with { Cursor = Cursor.Encode(new CursorKey(DateTimeOffset.UnixEpoch, Guid.NewGuid())) });
        yield return Row("an empty cursor", List with { Cursor = "" });
        yield return Row("not base64url", List with { Cursor = "not a cursor!" }, "cursor");
        yield return Row("base64url of something else", List with { Cursor = "aGVsbG8" }, "cursor");
        yield return Row("wrong cursor version", List with { Cursor = Base64Url("v2||" + Guid.NewGuid().ToString("N")) }, "cursor");
        yield return Row("ticks out of range", List with { Cursor = Base64Url("v1|99999999999999999999|" + Guid.NewGuid().ToString("N")) }, "cursor");
        yield return Row("cursor too long", List with { Cursor = new string('A', 201) }, "cursor");
        yield return Row("unknown status", List with { Status = (ComplaintStatus)99 }, "status");
        yield return Row("received range reversed", List with { ReceivedFrom = World.Start, ReceivedTo = World.Start.AddDays(-1) }, "receivedFrom");
        yield return Row("limit and cursor both bad", List with { Limit = 0, Cursor = "%%" }, "cursor", "limit");
    }

    private static string Base64Url(string text) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(text));

    [TestCaseSource(nameof(ListRows))]
    public void List_complaints(ListComplaintsQuery request, string[] fields) =>
        Assert.That(FieldsOf(new ListComplaintsValidator(), request), Is.EqualTo(fields));

    [Test]
    public void A_cursor_decodes_to_the_key_it_was_encoded_from()
    {
        var key = new CursorKey(new DateTimeOffset(2026, 3, 23, 9, 0, 0, TimeSpan.FromHours(1)), Guid.NewGuid());

        Assert.That(Cursor.TryDecode(Cursor.Encode(key), out var decoded), Is.True);
        Assert.That(decoded, Is.EqualTo(key));
        Assert.That(decoded!.At!.Value.Offset, Is.EqualTo(TimeSpan.Zero), "decoded instants are UTC");
    }
}
