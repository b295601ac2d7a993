using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cms.Api.Auth;

/// <summary>Mints HS256 tokens for local runs and tests (the production service only validates tokens).</summary>
public static class TokenIssuer
{
    public static string Issue(AuthOptions options, string subject, Guid? tenantId, bool platform, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new(CmsClaims.Subject, subject) };
        if (tenantId is { } tenant)
        {
            claims.Add(new Claim(CmsClaims.TenantId, tenant.ToString()));
        }

        if (platform)
        {
            claims.Add(new Claim(CmsClaims.Scope, CmsClaims.PlatformScope));
        }

        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.Add(lifetime),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(options.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
