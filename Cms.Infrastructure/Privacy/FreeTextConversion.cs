using Cms.Infrastructure.Persistence;
using Cms.Infrastructure.Resilience;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Infrastructure.Privacy;

/// <summary>Where the conversion stands: one tenant's table, rows sealed so far of those found unsealed at its start.</summary>
public sealed record FreeTextConversionProgress(Guid TenantId, string Table, long Done, long Total, double RowsPerSecond, TimeSpan? TimeLeft)
{
    public bool Finished => Done >= Total;
}

/// <summary>
/// The online conversion of rows written before free text was sealed (ADR 0013, issue 19 item 2; the command
/// <c>seal-free-text</c>): tenant by tenant, complaints then notes, in committed batches through <see cref="TenantWork"/>
/// (the tenant scope and unit of work a request uses), each batch converted by <see cref="FreeTextConverter"/> (its rows
/// locked as read, rows others hold passed over, every UPDATE guarded by <c>text_sealed = false</c>), so the service and
/// other instances write the same tables meanwhile. Resumable by construction: what is converted no longer matches, so a
/// run stopped at any point (a failed batch rolls back whole) continues with what is left (the partial index
/// <c>ix_complaints_text_unsealed</c> finds it), and a second run finds nothing.
/// </summary>
public sealed class FreeTextConversion(TenantWork work, TimeProvider clock)
{
    public const int MaxBatch = 10_000;

    /// <summary>Converts every unsealed row of <paramref name="onlyTenant"/> (or of every tenant not being offboarded);
    /// answers how many rows it sealed. <paramref name="progress"/> is told after every batch.</summary>
    public async Task<long> RunAsync(int batchSize, Guid? onlyTenant, Action<FreeTextConversionProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, MaxBatch);
        IReadOnlyList<Guid> tenants = onlyTenant is { } one ? [one] : await work.RunAsync<IReadOnlyList<Guid>>(null, (db, token) => db.QueryAsync<Guid>(
            "SELECT id FROM tenants WHERE id NOT IN (SELECT id FROM tenant_offboardings) ORDER BY id", null, token), cancellationToken, commit: false);
        long sealedRows = 0;
        foreach (var tenant in tenants)
        {
            sealedRows += await TableAsync(tenant, "complaints", (c, a, b, t) => c.ConvertComplaintsAsync(a, b, t), batchSize, progress, cancellationToken);
            sealedRows += await TableAsync(tenant, "complaint_notes", (c, a, b, t) => c.ConvertNotesAsync(a, b, t), batchSize, progress, cancellationToken);
        }

        return sealedRows;
    }

    private async Task<long> TableAsync(Guid tenant, string table, Func<FreeTextConverter, Guid?, int, CancellationToken, Task<FreeTextBatch>> convert,
        int batchSize, Action<FreeTextConversionProgress> progress, CancellationToken cancellationToken)
    {
        // The table is one of the two above, never input.
        var total = await work.RunAsync(tenant, (db, token) => db.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM {table} WHERE tenant_id = @TenantId AND text_sealed = @Unsealed", new { TenantId = tenant, Unsealed = false }, token),
            cancellationToken, commit: false);
        var started = clock.GetTimestamp();
        long done = 0;
        long takenInPass;
        do
        {
            // A pass walks the unsealed rows by id from a cursor (each batch reads where the last ended, not past the rows
            // already sealed). Rows another transaction held were passed over (an instance converting them, or the
            // service writing them, which seals them too): another pass from the start takes what is still unsealed,
            // until a pass finds nothing.
            takenInPass = 0;
            Guid? after = null;
            FreeTextBatch batch;
            do
            {
                batch = await BatchAsync(tenant, convert, after, batchSize, cancellationToken);
                after = batch.Last;
                takenInPass += batch.Taken;
                done += batch.Sealed;
                var seconds = clock.GetElapsedTime(started).TotalSeconds;
                var rate = seconds > 0 ? done / seconds : 0;
                var left = Math.Max(0, total - done);
                progress(new FreeTextConversionProgress(tenant, table, Math.Min(done, total), total, rate,
                    rate > 0 ? TimeSpan.FromSeconds(left / rate) : null));
            }
            while (batch.Taken > 0);
        }
        while (takenInPass > 0);
        return done;
    }

    /// <summary>One batch in its own transaction; run again when it lost a race (a deadlock with the erasure of one of its
    /// consumers, which locks the consumer first and then the complaints): it rolled back whole.</summary>
    private async Task<FreeTextBatch> BatchAsync(Guid tenant, Func<FreeTextConverter, Guid?, int, CancellationToken, Task<FreeTextBatch>> convert,
        Guid? after, int batchSize, CancellationToken cancellationToken)
    {
        const int Attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work.RunAsync(tenant, (services, token) => convert(services.GetRequiredService<FreeTextConverter>(), after, batchSize, token),
                    cancellationToken);
            }
            catch (Exception ex) when (attempt < Attempts && DatabaseFaults.Classify(ex) == DatabaseFault.Contention)
            {
            }
        }
    }
}
