namespace Cms.Migrations.Migrations;

/// <summary>The schema as a whole, for tests and tools.</summary>
public static class Schema
{
    /// <summary>
    /// Every table that holds tenant data (tenant_id column, RLS on PostgreSQL), over all migrations, each after the tables
    /// it references (so tools can copy them table by table): the queues and legal entities come before complaints, which reference them.
    /// </summary>
    public static IReadOnlyList<string> TenantTableNames { get; } =
        [.. InitialSchema.TenantTableNames.TakeWhile(t => t != "complaints"), .. Queues.TenantTableNames, .. LegalEntities.TenantTableNames,
         .. InitialSchema.TenantTableNames.SkipWhile(t => t != "complaints"), .. AuditHashChain.TenantTableNames, .. ConsumerEncryption.TenantTableNames, .. IdempotencyKeys.TenantTableNames,
         .. RegulatoryClocks.TenantTableNames, .. ChangeFeed.TenantTableNames, .. ComplaintOutcomes.TenantTableNames,
         .. ChainSealing.TenantTableNames, .. RegulatoryReturns.TenantTableNames, .. FreeTextSealing.TenantTableNames,
         .. ComplaintSearch.TenantTableNames, .. LetterCorrespondence.TenantTableNames,
         .. RetentionSchedules.TenantTableNames, .. ReferenceStamps.TenantTableNames];
}
