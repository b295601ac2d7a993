using Cms.Bench.Peer;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

// The plain EF Core peer of the benchmark: what a .NET team would otherwise build for filing and reading a complaint
// (ASP.NET Core minimal API, EF Core with Npgsql, a global tenant query filter). No row-level security, no encryption, no
// idempotency, no audit trail or change feed, no taxonomy or calendar lookups. bench/lib/peer.sh starts and loads it.
// Configuration (environment): Peer__ConnectionString; Peer__SigningKey, Peer__Issuer, Peer__Audience: the HS256 key,
// issuer and audience of the service's local tokens, so the bench's bearer token names the tenant here too.
var builder = WebApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection("Peer");
var connectionString = settings["ConnectionString"] ?? throw new InvalidOperationException("Peer:ConnectionString is required");
var signingKey = settings["SigningKey"] ?? throw new InvalidOperationException("Peer:SigningKey is required");

builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<TenantProvider>();
builder.Services.AddDbContext<PeerDb>(o => o.UseNpgsql(connectionString));
builder.Services.AddProblemDetails();
builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
{
    o.MapInboundClaims = false;
    o.TokenValidationParameters = new TokenValidationParameters
    {
        ValidIssuer = settings["Issuer"] ?? "cms-local",
        ValidAudience = settings["Audience"] ?? "cms",
        IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(signingKey)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
    };
});
// A token without a tenant is refused: every endpoint works in the caller's tenant.
builder.Services.AddAuthorizationBuilder()
    .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireClaim("tenant_id").Build());

var app = builder.Build();
using (var scope = app.Services.CreateScope())
{
    await scope.ServiceProvider.GetRequiredService<PeerDb>().Database.EnsureCreatedAsync();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/health", () => Results.Ok());
app.MapComplaints();
await app.RunAsync();
