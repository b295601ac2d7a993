using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Cms.Api.Auth;

/// <summary>The JWT bearer scheme of the service, for tokens of an OpenID Connect provider or locally signed ones.</summary>
public static class BearerAuthentication
{
    /// <summary>
    /// Bearer tokens: from the OpenID Connect provider (<c>Cms:Auth:Authority</c>, its keys kept current by
    /// <see cref="ProviderMetadata"/>, asymmetric algorithms only) or, for local runs and tests, HS256 with the configured key.
    /// Validated tokens are remembered until they expire (at most five minutes) on the handler's own clock, the system's,
    /// while their key is still published; roles are still read from the database on every request (ValidatedTokenCache).
    /// </summary>
    public static void AddCmsBearerAuthentication(this IServiceCollection services, AuthOptions auth)
    {
        var withProvider = !string.IsNullOrWhiteSpace(auth.Authority);
        if (withProvider)
        {
            services.AddSingleton(sp => new ProviderMetadata(auth, TimeProvider.System, sp.GetRequiredService<ILogger<ProviderMetadata>>()));
        }

        services.AddSingleton(sp => new ValidatedTokenCache(TimeProvider.System, sp.GetService<ProviderMetadata>() is { } metadata ? metadata.Publishes : null));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IServiceProvider>((o, sp) =>
        {
            o.MapInboundClaims = false;
            var events = sp.GetRequiredService<ValidatedTokenCache>().Events();
            if (withProvider)
            {
                var metadata = sp.GetRequiredService<ProviderMetadata>();
                o.ConfigurationManager = metadata;
                o.RefreshOnIssuerKeyNotFound = false; // ProviderEvents fetches the keys before validation instead
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAudience = auth.Audience,
                    ValidAlgorithms = ProviderAlgorithms,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                events = ProviderEvents.Apply(events, metadata, auth);
            }
            else
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(auth.SigningKeyBytes()),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            }

            o.Events = StrictTokenRules.Apply(events, auth, TimeProvider.System);
        });
    }

    /// <summary>The signature algorithms a provider's token may use: asymmetric ones only, so a token can never be
    /// verified with a public key used as an HMAC secret, and <c>none</c> is never among them.</summary>
    private static readonly string[] ProviderAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];
}
