using Cms.Domain.Common;

namespace Cms.Domain.Queues;

/// <summary>
/// A work queue of one tenant (e.g. <c>cards</c>, <c>mortgages</c>, <c>vulnerable-customers</c>): complaints are filed
/// into or moved to a queue, and an agent handles the unassigned complaints of the queues they work. A queue is retired,
/// never deleted, so complaints and the audit trail keep pointing at it; a retired queue takes no new complaints or
/// members.
/// </summary>
public sealed class Queue
{
    /// <summary>Lower-case letters, digits and hyphens, starting with a letter or digit (a stable key for filters and scripts).</summary>
    public const int MaxCodeLength = 50;

    private Queue(Guid id, Guid tenantId, string code, string name, DateTimeOffset? retiredAt, DateTimeOffset createdAt,
        DateTimeOffset updatedAt, long version)
    {
        Id = id;
        TenantId = tenantId;
        Code = code;
        Name = name;
        RetiredAt = retiredAt;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        Version = version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string Code { get; }
    public string Name { get; }
    public DateTimeOffset? RetiredAt { get; private set; }
    public bool IsRetired => RetiredAt is not null;
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    /// <summary>Whether <paramref name="code"/> has the form of a queue code (it says nothing about whether such a queue exists).</summary>
    public static bool IsValidCode(string? code) =>
        code is { Length: > 0 and <= MaxCodeLength } && (char.IsAsciiLetterLower(code[0]) || char.IsAsciiDigit(code[0]))
        && code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    public static Result<Queue> Create(Guid id, Guid tenantId, string code, string name, DateTimeOffset now)
    {
        if (!IsValidCode(code))
        {
            return Error.Validation("code",
                $"'code' must be 1 to {MaxCodeLength} lower-case letters, digits or hyphens, starting with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > Limits.Name)
        {
            return Error.Validation("name", $"'name' is required and must be at most {Limits.Name} characters.");
        }

        return new Queue(id, tenantId, code, name.Trim(), null, now, now, 1);
    }

    public static Queue Restore(Guid id, Guid tenantId, string code, string name, DateTimeOffset? retiredAt, DateTimeOffset createdAt,
        DateTimeOffset updatedAt, long version) =>
        new(id, tenantId, code, name, retiredAt, createdAt, updatedAt, version);

    /// <summary>Retires the queue: it keeps its complaints (a supervisor moves them) but takes no new ones or new members.</summary>
    public Result Retire(DateTimeOffset now)
    {
        if (IsRetired)
        {
            return Error.Conflict("queue.retired", "The queue is already retired.");
        }

        RetiredAt = now;
        UpdatedAt = now;
        Version++;
        return Result.Success();
    }
}
