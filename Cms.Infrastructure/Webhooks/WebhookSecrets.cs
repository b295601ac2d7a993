using System.Security.Cryptography;
using System.Text;
using Cms.Infrastructure.Crypto;

namespace Cms.Infrastructure.Webhooks;

/// <summary>
/// Webhook signing secrets at rest: AES-256-GCM under the active master key (the same provider that wraps the tenant
/// keys), the associated data binding tenant, table and endpoint id so a sealed secret copied to another row does not
/// open. Never logged; opened only by the delivery worker, just before signing.
/// </summary>
public sealed class WebhookSecrets(IMasterKeyProvider master)
{
    public (string Sealed, string MasterKeyVersion) Seal(Guid tenantId, Guid endpointId, string secret)
    {
        var version = master.ActiveVersion;
        var plaintext = Encoding.UTF8.GetBytes(secret);
        try
        {
            return (Convert.ToBase64String(master.Wrap(version, plaintext, AssociatedData(tenantId, endpointId))), version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public byte[] Open(Guid tenantId, Guid endpointId, string sealedSecret, string masterKeyVersion) =>
        master.Unwrap(masterKeyVersion, Convert.FromBase64String(sealedSecret), AssociatedData(tenantId, endpointId));

    private static byte[] AssociatedData(Guid tenantId, Guid endpointId) =>
        Encoding.UTF8.GetBytes($"cms|{tenantId:D}|webhook_endpoints|secret|{endpointId:D}");
}
