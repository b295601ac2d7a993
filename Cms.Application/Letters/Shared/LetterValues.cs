using System.Globalization;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Letters;
using Cms.Domain.Regulation;
using P = Cms.Domain.Letters.LetterPlaceholders;

namespace Cms.Application.Letters;

/// <summary>What the author says in a letter beyond the complaint's own data (each feeds one placeholder).</summary>
public sealed record LetterInputs(string? Reasons, DateOnly? ExpectedBy, bool? WaivesTimeLimits);

/// <summary>
/// The values of the placeholders for one letter, computed at render time: the consumer's from their decrypted record,
/// the complaint's and its deadlines' (dates in the profile's time zone), the regulatory blocks of the profile's letter
/// rules, and the author's inputs. Nothing outside <see cref="LetterPlaceholders.All"/> is offered to the template.
/// </summary>
public static class LetterValues
{
    public static IReadOnlyDictionary<string, string?> Of(Complaint complaint, Consumer consumer, Resolution? resolution, LetterInputs inputs,
        LetterRuleSet rules, DateTimeOffset now)
    {
        var calendar = complaint.Profile.Calendar;
        string Day(DateTimeOffset at) => calendar.LocalDate(at).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
        var finalDue = complaint.Deadlines.FirstOrDefault(d => d.Kind is DeadlineKind.FinalResponse or DeadlineKind.SubstantiveResponse
            or DeadlineKind.AdrLetter or DeadlineKind.CompanyResponse);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [P.ConsumerFullName] = consumer.IsErased ? null : consumer.Contact.FullName,
            [P.ConsumerEmail] = consumer.IsErased ? null : consumer.Contact.Email,
            [P.ConsumerExternalRef] = consumer.IsErased ? null : consumer.ExternalRef,
            [P.ComplaintReference] = complaint.Reference,
            [P.ComplaintReceivedOn] = Day(complaint.ReceivedAt),
            [P.ComplaintProduct] = complaint.Product,
            [P.ComplaintCategory] = complaint.Category,
            [P.ComplaintOutcome] = resolution?.Outcome.ToWire().Replace('_', ' '),
            [P.ComplaintRedressAmount] = resolution?.Redress.Monetary is { } m
                ? $"{(m.AmountMinor / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {m.Currency}"
                : null,
            [P.ComplaintRedressNonMonetary] = resolution?.Redress.NonMonetary,
            [P.DeadlineFinalResponseOn] = finalDue is null ? null : Day(finalDue.DueAt),
            [P.DeadlineNextOn] = complaint.NextDueAt is { } next ? Day(next) : null,
            [P.LetterDate] = Day(now),
            [P.LetterReasons] = inputs.Reasons,
            [P.LetterExpectedBy] = inputs.ExpectedBy?.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
            [P.LetterTimeLimitWaiver] = inputs.WaivesTimeLimits switch
            {
                true => $"We consent to {Scheme(rules)} considering your complaint even if it is referred outside the time limits.",
                false => $"We do not consent to {Scheme(rules)} considering your complaint if it is referred outside the time limits.",
                null => null,
            },
        };
        foreach (var block in P.Regulatory)
        {
            values[block] = rules.Blocks.GetValueOrDefault(block);
        }

        return values;
    }

    private static string Scheme(LetterRuleSet rules) => rules.Blocks.GetValueOrDefault(P.SchemeName) ?? "the ombudsman";
}
