namespace Cms.Application.Tenants;

/// <summary>An export the request has authorised and audited; the API streams it.</summary>
public sealed record TenantExportTicket(Guid TenantId, bool DecryptPersonalData, string RequestedBy, long StartedEntrySequence);

/// <summary>
/// Writes a tenant's complete data as NDJSON (docs/adr/0018-tenant-offboarding.md): a header line, one line per row of
/// every table with a tenant_id column (found in the catalogue), optionally the decrypted personal data, and a manifest
/// with each table's row count and SHA-256; the completed export is recorded in the platform audit chain.
/// </summary>
public interface ITenantExporter
{
    Task WriteAsync(TenantExportTicket ticket, Stream destination, CancellationToken cancellationToken);
}
