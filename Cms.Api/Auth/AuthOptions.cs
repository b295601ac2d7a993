namespace Cms.Api.Auth;

/// <summary>Configuration section <c>Cms:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Cms:Auth";

    /// <summary>Production: the OpenID Connect authority whose tokens are accepted.</summary>
    public string? Authority { get; set; }

    public string Audience { get; set; } = "cms";

    /// <summary>With <see cref="Authority"/>: the claim that carries the CMS tenant id (a provider may require a namespaced
    /// name, e.g. <c>https://cms.example.com/tenant_id</c>).</summary>
    public string TenantClaim { get; set; } = CmsClaims.TenantId;

    /// <summary>With <see cref="Authority"/>: only values of <see cref="TenantClaim"/> that start with this prefix name the
    /// tenant, the prefix taken off (Entra ID: <c>TenantClaim</c> <c>roles</c>, an application role <c>cms.tenant.&lt;id&gt;</c>).</summary>
    public string? TenantValuePrefix { get; set; }

    /// <summary>With <see cref="Authority"/>: how often the provider's discovery document and signing keys are fetched
    /// again while the service runs (a removed key stops being trusted within this time).</summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>With <see cref="Authority"/>: the least time between two fetches outside that schedule, for a token
    /// signed with a key id the service does not know, or after a failed fetch.</summary>
    public TimeSpan MetadataRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Local runs and tests: the issuer of HS256 tokens.</summary>
    public string Issuer { get; set; } = "cms-local";

    /// <summary>The longest bearer token accepted (bytes); a longer one is a 401 before it is parsed.</summary>
    public int MaxTokenBytes { get; set; } = 8 * 1024;

    /// <summary>The longest a locally signed token (no <see cref="Authority"/>) may still be valid for when it is used;
    /// the <c>token</c> command issues at most 720 hours.</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(720);

    /// <summary>Local runs and tests: base64 HS256 key of at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// The development key (README): used only when nothing else is configured and the service runs on the embedded
    /// SQLite database, so a fresh <c>dotnet run</c> works; with PostgreSQL a missing auth setting stops the start.
    /// </summary>
    public const string DevelopmentSigningKey = "Y21zLWxvY2FsLWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24hIQ==";

    public bool UsesDevelopmentKey => string.IsNullOrWhiteSpace(Authority) && SigningKey == DevelopmentSigningKey;

    /// <summary>Fills in the development key for a local (SQLite) run with no auth configured.</summary>
    public AuthOptions WithLocalDefaults(bool localDatabase)
    {
        if (localDatabase && string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(SigningKey))
        {
            SigningKey = DevelopmentSigningKey;
        }

        return this;
    }

    /// <summary>An http (not https) authority is accepted only on this machine's loopback (tests, a sidecar).</summary>
    public static bool IsLoopbackHttp(string authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback;

    /// <summary>Why the OpenID Connect settings cannot work, or null (checked at start-up).</summary>
    public string? AuthorityError()
    {
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority)
            || !(authority.Scheme == Uri.UriSchemeHttps || IsLoopbackHttp(Authority)) || !string.IsNullOrEmpty(authority.Query))
        {
            return "Cms:Auth:Authority must be the absolute https URL of the OpenID Connect issuer (http only on loopback), without a query.";
        }

        if (MetadataRefreshInterval < TimeSpan.FromSeconds(1) || MetadataRefreshInterval > TimeSpan.FromDays(1))
        {
            return "Cms:Auth:MetadataRefreshInterval must be between 00:00:01 and 1.00:00:00.";
        }

        if (string.IsNullOrWhiteSpace(TenantClaim) || TenantClaim.Length > 200)
        {
            return "Cms:Auth:TenantClaim must name the claim that carries the tenant id (at most 200 characters).";
        }

        return MetadataRetryInterval < TimeSpan.FromSeconds(1) || MetadataRetryInterval > MetadataRefreshInterval
            ? "Cms:Auth:MetadataRetryInterval must be at least 00:00:01 and at most Cms:Auth:MetadataRefreshInterval."
            : null;
    }

    public byte[] SigningKeyBytes()
    {
        if (string.IsNullOrWhiteSpace(SigningKey))
        {
            throw new InvalidOperationException(
                "Cms:Auth: set Authority (OpenID Connect, production) or SigningKey (base64, at least 32 bytes, local runs).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(SigningKey);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Cms:Auth:SigningKey must be base64.");
        }

        return key.Length >= 32 ? key : throw new InvalidOperationException("Cms:Auth:SigningKey must decode to at least 32 bytes.");
    }
}
