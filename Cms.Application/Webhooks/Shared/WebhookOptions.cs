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

        var loopback = IsLoopbackHost(uri);
        if (loopback)
        {
            return allowLoopback ? null : "'url' must not point at this machine (loopback).";
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return "'url' must be an absolute https URL.";
        }

        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address)
            && !IsPublic(address))
        {
            return "'url' must not point at a private, link-local or otherwise internal address.";
        }

        if (uri.HostNameType == UriHostNameType.Dns && (uri.IdnHost.EndsWith(".local", StringComparison.OrdinalIgnoreCase)
                                                         || uri.IdnHost.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)
                                                         || !uri.IdnHost.Contains('.', StringComparison.Ordinal)))
        {
            return "'url' must name a public host (a fully qualified domain name).";
        }

        return null;
    }

    public static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback || uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                       || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>False for loopback, private (RFC 1918, unique local), link-local, CGNAT, multicast, unspecified and
    /// other special-purpose addresses; IPv4-mapped IPv6 is judged as the IPv4 address it carries.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

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
                     || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)); // NAT64 64:ff9b::/96 may reach internal IPv4
        }

        return false;
    }

    /// <summary>Whether a resolved address may be connected to.</summary>
    public static bool MayConnect(IPAddress address, bool allowLoopback) =>
        IsPublic(address) || (allowLoopback && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
}
