using System.Net;
using System.Net.Sockets;

namespace Cms.Application.Webhooks;

/// <summary>Webhook delivery settings (<c>Cms:Webhooks</c>, README).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Cms:Webhooks";

    /// <summary>
    /// Development and tests only: allow http:// (and https://) to loopback addresses (127.0.0.0/8, ::1, localhost).
    /// Off by default; in production only https to public addresses is accepted.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Whether this instance runs the delivery worker (every instance may; leases keep them apart).</summary>
    public bool DeliveryEnabled { get; set; } = true;

    /// <summary>How often the worker looks for endpoints with events to deliver.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an instance holds an endpoint while delivering to it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts of one event within one pass (Polly retry, exponential back-off from <see cref="RetryBaseDelay"/>).</summary>
    public int AttemptsPerPass { get; set; } = 3;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a failed pass the endpoint waits BackoffBase × 2^(failures − 1), at most <see cref="BackoffMax"/>.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Failed passes after which an event is given up (recorded as such, replayable) and the next one goes.</summary>
    public int MaxFailedPasses { get; set; } = 12;

    /// <summary>Events read per endpoint per pass.</summary>
    public int BatchSize { get; set; } = 50;
}

/// <summary>
/// Where a webhook may point (security.md, SSRF): an absolute https URL with a host name or a public address, no user
/// information, no fragment. Loopback, private, link-local, multicast and unspecified addresses are refused (the
/// delivery worker checks the resolved addresses again at connect time, against DNS rebinding). With
/// <see cref="WebhookOptions.AllowLoopback"/> (development, tests) http and https to loopback are accepted too.
/// </summary>
public static class WebhookUrlPolicy
{
    public static string? Problem(string? url, bool allowLoopback)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "'url' is required.";
        }

        if (url.Length > Domain.Webhooks.WebhookEndpoint.MaxUrlLength)
        {
            return $"'url' must be at most {Domain.Webhooks.WebhookEndpoint.MaxUrlLength} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "'url' must be an absolute https URL.";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "'url' must not carry user information or a fragment.";
        }

        if (NormalisedHost(uri) is not { } host)
        {
            return "'url' must name a valid host.";
        }

        if (IsLoopbackName(host) || (IPAddress.TryParse(host, out var literal) && IPAddress.IsLoopback(Unwrapped(literal))))
        {
            return allowLoopback ? null : "'url' must not point at this machine (loopback).";
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return "'url' must be an absolute https URL.";
        }

        // Every form the HTTP client would connect to as an address (dotted, decimal, hex, octal, IPv6 with an embedded
        // IPv4) is judged as that address.
        if (IPAddress.TryParse(host, out var address))
        {
            return IsPublic(address) ? null : "'url' must not point at a private, link-local or otherwise internal address.";
        }

        if (host.EndsWith(".local", StringComparison.Ordinal) || host.EndsWith(".internal", StringComparison.Ordinal)
            || !host.Contains('.', StringComparison.Ordinal) || NumericLastLabel(host))
        {
            return "'url' must name a public host (a fully qualified domain name).";
        }

        return null;
    }

    /// <summary>
    /// The host as the HTTP client resolves it: IDNA (UTS 46) mapping, so full-width digits and the ideographic and
    /// full-width full stops become ASCII digits and dots; lower case; without the brackets of an IPv6 literal and
    /// without the trailing dot of an absolute name. Null when the host cannot be mapped.
    /// </summary>
    public static string? NormalisedHost(Uri uri)
    {
        // The service runs with invariant globalization, whose IDNA does not apply the UTS 46 mapping: the characters
        // that map to ASCII digits, letters and dots are mapped here first (every Unicode decimal digit, full-width
        // letters, the full-width, half-width and ideographic full stops), the rest is encoded as IDNA does.
        var host = new string([.. uri.Host.Trim('[', ']').Select(AsciiEquivalent)]);
        try
        {
            host = host.Any(c => c > 0x7f) ? new System.Globalization.IdnMapping { UseStd3AsciiRules = false }.GetAscii(host) : host;
        }
        catch (ArgumentException)
        {
            return null;
        }

        host = host.ToLowerInvariant();
        return host.EndsWith('.') ? host[..^1] : host;
    }

    private static char AsciiEquivalent(char c) => c switch
    {
        < (char)0x80 => c,
        '\u3002' or '\uff0e' or '\uff61' => '.',
        >= '\uff21' and <= '\uff3a' => (char)('a' + (c - '\uff21')),
        >= '\uff41' and <= '\uff5a' => (char)('a' + (c - '\uff41')),
        _ when char.IsDigit(c) => (char)('0' + (int)char.GetNumericValue(c)),
        _ => c,
    };

    /// <summary>No top-level domain is numeric: such a name is an address in a form the parser did not take.</summary>
    private static bool NumericLastLabel(string host)
    {
        var last = host[(host.LastIndexOf('.') + 1)..];
        return last.Length == 0 || last.All(char.IsAsciiDigit) || last.StartsWith("0x", StringComparison.Ordinal);
    }

    private static bool IsLoopbackName(string host) => host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal);

    public static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback || (NormalisedHost(uri) is { } host && (IsLoopbackName(host) || (IPAddress.TryParse(host, out var a) && IPAddress.IsLoopback(Unwrapped(a)))));

    /// <summary>
    /// The IPv4 address an IPv6 address carries, where it leads to one: IPv4-mapped (::ffff:0:0/96), IPv4-translated
    /// (::ffff:0:0:0/96), IPv4-compatible (::/96) and 6to4 (2002::/16); otherwise the address itself.
    /// </summary>
    public static IPAddress Unwrapped(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var zeroTo = (int end) => b.Take(end).All(x => x == 0);
        if (zeroTo(8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return new IPAddress(b[12..16]);
        }

        if (zeroTo(12) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1))
        {
            return new IPAddress(b[12..16]); // ::a.b.c.d, but not :: or ::1
        }

        return b[0] == 0x20 && b[1] == 0x02 ? new IPAddress(b[2..6]) : address;
    }

    /// <summary>False for loopback, private (RFC 1918, unique local), link-local, CGNAT, multicast, unspecified and
    /// other special-purpose addresses; IPv6 that carries an IPv4 address (<see cref="Unwrapped"/>) is judged as that address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        address = Unwrapped(address);

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.None) || address.Equals(IPAddress.IPv6None))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                     || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // CGNAT 100.64/10
                     || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata
                     || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
                     || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
                     || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                     || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                     || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation 2001:db8::/32
                     || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) // Teredo 2001::/32 tunnels to an obscured IPv4
                     || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)); // NAT64 64:ff9b::/96 and /48 may reach internal IPv4
        }

        return false;
    }

    /// <summary>Whether a resolved address may be connected to.</summary>
    public static bool MayConnect(IPAddress address, bool allowLoopback) =>
        IsPublic(address) || (allowLoopback && IPAddress.IsLoopback(Unwrapped(address)));
}
