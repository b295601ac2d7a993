using Cms.Domain.Letters;

namespace Cms.Application.Letters;

/// <summary>What the template engine found in a template's text: the placeholders it reaches, and what it may not do.</summary>
public sealed record TemplateCheck(IReadOnlySet<string> Placeholders, IReadOnlyList<string> Errors);

/// <summary>
/// The template engine (a maintained Liquid implementation in the infrastructure): checks a template reaches nothing
/// but <see cref="LetterPlaceholders.All"/> (no assignments, loops, includes, captures, indexes or raw output) and
/// renders it over those values only, HTML-escaped when the output is HTML.
/// </summary>
public interface ILetterEngine
{
    TemplateCheck Check(string source);

    string Render(string source, IReadOnlyDictionary<string, string?> values, bool html);
}

/// <summary>The letter templates of the tenant in scope (immutable versions).</summary>
public interface ILetterTemplateRepository
{
    Task<int> CurrentVersionAsync(LetterType type, CancellationToken cancellationToken);

    Task AddAsync(LetterTemplate template, CancellationToken cancellationToken);

    /// <summary>A version by its id (any version: a letter may be rendered from the current one only, see the handler), read
    /// (when the service does not hold it already) in the same round trip as the request's next complaint load, queued
    /// now: the function, called after that load, gives the version.</summary>
    Func<CancellationToken, Task<LetterTemplate?>> GetWithComplaint(Guid id);

    /// <summary>The current version of every letter type the tenant has a template for.</summary>
    Task<IReadOnlyList<LetterTemplate>> ListCurrentAsync(CancellationToken cancellationToken);
}

/// <summary>The letters of the tenant in scope: sealed under their consumer's key by the infrastructure.</summary>
public interface ILetterRepository
{
    Task AddAsync(Letter letter, Guid consumerId, CancellationToken cancellationToken);

    /// <summary>The letter of that complaint for a command that updates it, opened with its consumer's key: on PostgreSQL
    /// locked until the transaction ends, so the version read is the version <see cref="UpdateAsync"/> finds. Read in the
    /// same round trip as the request's next complaint load, queued now: the function, called after that load, gives the
    /// letter (docs/adr/0011 part 7).</summary>
    Func<CancellationToken, Task<Letter?>> GetWithComplaint(Guid complaintId, Guid letterId);

    /// <summary>Stores the letter's status change, guarded by the version it was read at; false when another writer won.</summary>
    Task<bool> UpdateAsync(Letter letter, long expectedVersion, CancellationToken cancellationToken);

    Task<IReadOnlyList<LetterDto>> ListAsync(Guid complaintId, CancellationToken cancellationToken);
}
