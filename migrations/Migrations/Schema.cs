namespace Cms.Migrations.Migrations;

/// <summary>The schema as a whole, for tests and tools.</summary>
public static class Schema
{
    /// <summary>Every table that holds tenant data (tenant_id column, RLS on PostgreSQL), over all migrations.</summary>
    public static IReadOnlyList<string> TenantTableNames { get; } =
        [.. InitialSchema.TenantTableNames, .. AuditHashChain.TenantTableNames, .. ConsumerEncryption.TenantTableNames, .. IdempotencyKeys.TenantTableNames,
         .. RegulatoryClocks.TenantTableNames, .. ChangeFeed.TenantTableNames, .. ComplaintOutcomes.TenantTableNames, .. Queues.TenantTableNames];
}
