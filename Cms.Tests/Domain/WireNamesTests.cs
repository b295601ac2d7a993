using System.Reflection;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Tenants;

namespace Cms.Tests.Domain;

public sealed class WireNamesTests
{
    [TestCase(ComplaintStatus.Received, "received")]
    [TestCase(ComplaintStatus.Acknowledged, "acknowledged")]
    [TestCase(ComplaintStatus.Investigating, "investigating")]
    [TestCase(ComplaintStatus.AwaitingConsumer, "awaiting_consumer")]
    [TestCase(ComplaintStatus.Resolved, "resolved")]
    [TestCase(ComplaintStatus.Closed, "closed")]
    [TestCase(ComplaintStatus.Referred, "referred")]
    public void ComplaintStatus_wire_names(ComplaintStatus status, string wire) => AssertRoundTrip(status, wire);

    [TestCase(Outcome.Upheld, "upheld")]
    [TestCase(Outcome.PartlyUpheld, "partly_upheld")]
    [TestCase(Outcome.NotUpheld, "not_upheld")]
    [TestCase(Outcome.Withdrawn, "withdrawn")]
    public void Outcome_wire_names(Outcome outcome, string wire) => AssertRoundTrip(outcome, wire);

    [TestCase(Role.TenantAdmin, "tenant_admin")]
    [TestCase(Role.Supervisor, "supervisor")]
    [TestCase(Role.Agent, "agent")]
    [TestCase(Role.Auditor, "auditor")]
    [TestCase(Role.Integration, "integration")]
    public void Role_wire_names(Role role, string wire) => AssertRoundTrip(role, wire);

    [TestCase(Jurisdiction.UK, "UK")]
    [TestCase(Jurisdiction.EU, "EU")]
    [TestCase(Jurisdiction.US, "US")]
    public void Jurisdictions_keep_their_capitals(Jurisdiction jurisdiction, string wire) => AssertRoundTrip(jurisdiction, wire);

    [TestCase(DeadlineKind.PaymentServicesExceptionalFinalResponse, "payment_services_exceptional_final_response")]
    [TestCase(DeadlineKind.AdrLetter, "adr_letter")]
    [TestCase(NoteKind.ConsumerCommunication, "consumer_communication")]
    [TestCase(ReferralOutcome.PartlyUpheldForConsumer, "partly_upheld_for_consumer")]
    [TestCase(StaffKind.ServiceAccount, "service_account")]
    [TestCase(VulnerabilityDriver.LifeEvent, "life_event")]
    [TestCase(ResponseType.SummaryResolution, "summary_resolution")]
    [TestCase(ErrorKind.PreconditionRequired, "precondition_required")]
    public void Other_wire_names(object value, string wire)
    {
        var toWire = typeof(WireNames).GetMethod(nameof(WireNames.ToWire))!.MakeGenericMethod(value.GetType());

        Assert.That(toWire.Invoke(null, [value]), Is.EqualTo(wire));
    }

    private static IEnumerable<Type> DomainEnums() =>
    [
        typeof(ComplaintStatus), typeof(Channel), typeof(Outcome), typeof(Priority), typeof(NoteKind), typeof(ReferralOutcome),
        typeof(ResponseType), typeof(DeadlineKind), typeof(DeadlineMetBy), typeof(ClockUnit), typeof(RuleScope), typeof(HolidaySchedule),
        typeof(BusinessDayBasis),
        typeof(Sector), typeof(Jurisdiction), typeof(TenantStatus), typeof(Role), typeof(StaffKind), typeof(VulnerabilityDriver),
        typeof(ActorType), typeof(ErrorKind), typeof(ClosureBand), typeof(Cms.Domain.Taxonomies.TaxonomyKind),
        typeof(Cms.Domain.LegalEntities.FcaPermission), typeof(Cms.Domain.Letters.LetterType), typeof(Cms.Domain.Letters.LetterStatus),
        typeof(Cms.Domain.Letters.LetterChannel), typeof(DeadlineAlertKind), typeof(Cms.Domain.Retention.RetentionAction),
    ];

    [Test]
    public void The_list_of_enums_covers_every_public_enum_of_the_domain()
    {
        var all = typeof(Complaint).Assembly.GetExportedTypes().Where(t => t.IsEnum);

        Assert.That(DomainEnums(), Is.EquivalentTo(all));
    }

    [TestCaseSource(nameof(DomainEnums))]
    public void Every_value_of_every_enum_round_trips(Type enumType)
    {
        var method = typeof(WireNamesTests).GetMethod(nameof(RoundTripAll), BindingFlags.NonPublic | BindingFlags.Static)!;

        method.MakeGenericMethod(enumType).Invoke(null, null);
    }

    private static void RoundTripAll<TEnum>() where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var wires = values.Select(v => v.ToWire()).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(wires, Is.Unique);
            Assert.That(WireNames.All<TEnum>(), Is.EquivalentTo(wires));
            foreach (var value in values)
            {
                var wire = value.ToWire();
                Assert.That(wire, Does.Match("^([a-z]+(_[a-z]+)*|[A-Z]+)$"), $"{typeof(TEnum).Name}.{value}");
                Assert.That(WireNames.Parse<TEnum>(wire), Is.EqualTo(value));
                Assert.That(WireNames.Parse<TEnum>(wire.ToUpperInvariant()), Is.EqualTo(value));
                Assert.That(WireNames.Parse<TEnum>(wire.ToLowerInvariant()), Is.EqualTo(value));
            }
        }
    }

    [Test]
    public void Parsing_ignores_case()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(WireNames.Parse<ComplaintStatus>("AWAITING_CONSUMER"), Is.EqualTo(ComplaintStatus.AwaitingConsumer));
            Assert.That(WireNames.Parse<Jurisdiction>("uk"), Is.EqualTo(Jurisdiction.UK));
        }
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("AwaitingConsumer")]
    [TestCase("awaiting-consumer")]
    [TestCase(" received")]
    [TestCase("4")]
    public void TryParse_refuses_unknown_text(string? text)
    {
        var ok = WireNames.TryParse<ComplaintStatus>(text, out var value);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(value, Is.EqualTo(default(ComplaintStatus)));
        }
    }

    [Test]
    public void Parse_of_unknown_text_throws_a_format_exception_naming_the_type()
    {
        Assert.That(() => WireNames.Parse<Outcome>("maybe"),
            Throws.TypeOf<FormatException>().With.Message.EqualTo("'maybe' is not a known Outcome value."));
    }

    [TestCase("AwaitingConsumer", "awaiting_consumer")]
    [TestCase("Received", "received")]
    [TestCase("UK", "UK")]
    [TestCase("PaymentServicesFinalResponse", "payment_services_final_response")]
    public void SnakeCase(string pascal, string expected)
    {
        Assert.That(WireNames.SnakeCase(pascal), Is.EqualTo(expected));
    }

    private static void AssertRoundTrip<TEnum>(TEnum value, string wire) where TEnum : struct, Enum
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(value.ToWire(), Is.EqualTo(wire));
            Assert.That(WireNames.Parse<TEnum>(wire), Is.EqualTo(value));
            Assert.That(WireNames.TryParse<TEnum>(wire, out var parsed), Is.True);
            Assert.That(parsed, Is.EqualTo(value));
        }
    }
}
