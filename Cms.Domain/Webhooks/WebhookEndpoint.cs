using System.Text.RegularExpressions;

namespace Cms.Domain.Webhooks;

/// <summary>
/// A tenant's subscriber to its change feed: where to deliver (an absolute URL, checked by the application against
/// the SSRF rules), which event types (exact types such as <c>complaint.filed</c>, a family such as <c>complaint.*</c>,
/// or <c>*</c>), and whether deliveries run. Deleting is final and keeps the row (its attempts stay on record).
/// The signing secret is never part of the entity: it is sealed by the infrastructure and only ever leaves it once.
/// </summary>
public sealed partial class WebhookEndpoint
{
    public const int MaxUrlLength = 2048;
    public const int MaxEventTypes = 50;
    public const int MaxEventTypeLength = 100;

    private WebhookEndpoint(Guid id, Guid tenantId, string url, IReadOnlyList<string> eventTypes, bool isActive, bool isDeleted,
        DateTimeOffset createdAt, DateTimeOffset updatedAt, long version)
    {
        Id = id;
        TenantId = tenantId;
        Url = url;
        EventTypes = eventTypes;
        IsActive = isActive;
        IsDeleted = isDeleted;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        Version = version;
    }

    public Guid Id { get; }
    public Guid TenantId { get; }
    public string Url { get; private set; }
    public IReadOnlyList<string> EventTypes { get; private set; }
    public bool IsActive { get; private set; }
    public bool IsDeleted { get; private set; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    public static WebhookEndpoint Create(Guid id, Guid tenantId, string url, IReadOnlyList<string> eventTypes, DateTimeOffset now) =>
        new(id, tenantId, url, Normalise(eventTypes), isActive: true, isDeleted: false, now, now, version: 1);

    public static WebhookEndpoint Restore(Guid id, Guid tenantId, string url, IReadOnlyList<string> eventTypes, bool isActive, bool isDeleted,
        DateTimeOffset createdAt, DateTimeOffset updatedAt, long version) =>
        new(id, tenantId, url, eventTypes, isActive, isDeleted, createdAt, updatedAt, version);

    /// <summary>Changes what was given; the names of the fields that changed.</summary>
    public IReadOnlyList<string> Update(string? url, IReadOnlyList<string>? eventTypes, bool? isActive, bool secretChanged, DateTimeOffset now)
    {
        var changed = new List<string>();
        if (url is not null && url != Url)
        {
            Url = url;
            changed.Add("url");
        }

        if (eventTypes is not null && !Normalise(eventTypes).SequenceEqual(EventTypes))
        {
            EventTypes = Normalise(eventTypes);
            changed.Add("eventTypes");
        }

        if (isActive is { } active && active != IsActive)
        {
            IsActive = active;
            changed.Add("active");
        }

        if (secretChanged)
        {
            changed.Add("secret");
        }

        if (changed.Count > 0)
        {
            UpdatedAt = now;
            Version++;
        }

        return changed;
    }

    public void Delete(DateTimeOffset now)
    {
        IsDeleted = true;
        IsActive = false;
        UpdatedAt = now;
        Version++;
    }

    /// <summary>Whether an event of this type is delivered to the endpoint.</summary>
    public static bool Matches(IReadOnlyList<string> eventTypes, string type)
    {
        foreach (var pattern in eventTypes)
        {
            if (pattern == "*" || pattern == type
                || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A well-formed subscription pattern: <c>*</c>, <c>entity.*</c> or <c>entity.action</c> in lower snake case.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is { Length: > 0 and <= MaxEventTypeLength } && PatternShape().IsMatch(pattern);

    private static string[] Normalise(IReadOnlyList<string> eventTypes) => [.. eventTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))\z", RegexOptions.CultureInvariant)]
    private static partial Regex PatternShape();
}
