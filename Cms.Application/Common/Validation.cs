using Cms.Domain.Common;

namespace Cms.Application.Common;

/// <summary>Checks one request type. Registered by <c>AddCmsApplication</c>; run by the validation behaviour.</summary>
public interface IValidator<in T>
{
    void Validate(T request, ValidationErrors errors);
}

/// <summary>Collects field errors with a few reusable checks.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>Every (field, message) pair collected so far.</summary>
    public IEnumerable<(string Field, string Message)> Entries =>
        _errors.SelectMany(e => e.Value.Select(m => (e.Key, m)));

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
        }
        else
        {
            MaxLength(field, value, maxLength);
        }
    }

    public void MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        }
    }

    public void Optional(string field, string? value, int maxLength)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' must not be blank when given.");
        }
        else
        {
            MaxLength(field, value, maxLength);
        }
    }

    public void Email(string field, string? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, $"'{field}' is required.");
            }

            return;
        }

        var trimmed = value.Trim();
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        if (trimmed.Length > Limits.Email || at <= 0 || at != trimmed.LastIndexOf('@') || at == trimmed.Length - 1
            || trimmed.Any(char.IsWhiteSpace) || !trimmed[(at + 1)..].Contains('.', StringComparison.Ordinal))
        {
            Add(field, $"'{field}' must be an e-mail address of at most {Limits.Email} characters.");
        }
    }

    public void Phone(string field, string? value)
    {
        if (value is null)
        {
            return;
        }

        var digits = value.Count(char.IsAsciiDigit);
        var allowed = value.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-' or '(' or ')' or '.');
        if (value.Length > Limits.Phone || digits < 5 || !allowed)
        {
            Add(field, $"'{field}' must be a phone number (digits, spaces, + - ( ) .) of at most {Limits.Phone} characters.");
        }
    }

    public void Id(string field, Guid value)
    {
        if (value == Guid.Empty)
        {
            Add(field, $"'{field}' is required and must be a non-empty id.");
        }
    }

    public void Defined<TEnum>(string field, TEnum? value, bool required = true) where TEnum : struct, Enum
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, $"'{field}' is required; one of: {string.Join(", ", WireNames.All<TEnum>())}.");
            }
        }
        else if (!Enum.IsDefined(value.Value))
        {
            Add(field, $"'{field}' must be one of: {string.Join(", ", WireNames.All<TEnum>())}.");
        }
    }

    /// <summary>Limit bounds and a cursor this service issued; <paramref name="orderedByInstant"/> lists (complaints, audit)
    /// also refuse a cursor from a list ordered by id alone, so a foreign cursor never restarts at the first page.</summary>
    public void Page(IPagedRequest request, bool orderedByInstant = false)
    {
        if (request.Limit is { } limit && (limit < 1 || limit > Limits.MaxPageSize))
        {
            Add("limit", $"'limit' must be between 1 and {Limits.MaxPageSize}.");
        }

        if (!Cursor.TryDecode(request.Cursor, out var key) || (orderedByInstant && key is { At: null }))
        {
            Add("cursor", "'cursor' is not a cursor this service issued for this list.");
        }
    }

    public Error ToError() => Error.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
}
