namespace Cms.Api.Auth;

/// <summary>Configuration section <c>Cms:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Cms:Auth";

    /// <summary>Production: the OpenID Connect authority whose tokens are accepted.</summary>
    public string? Authority { get; set; }

    public string Audience { get; set; } = "cms";

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
