using System.Collections.Concurrent;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Complaints;

/// <summary>
/// PostgreSQL: complaint reference numbers per tenant and year handed out from blocks (HiLo). A block of
/// <see cref="BlockSize"/> numbers is reserved in its own short transaction, on its own connection, by advancing the
/// tenant's complaint_sequences row; the numbers are then handed out in memory. So no filing holds that row until its
/// commit (it was the tenant's hot row): it is updated once per block, for a few milliseconds. Numbers are unique
/// across instances (each block is reserved once), increase within an instance, and are not gap-free: a filing that
/// rolls back, and the rest of a block when the instance stops, leave numbers unused (regulators require unique
/// references, not consecutive ones; docs/adr/0011-writes-without-a-tenant-hot-row.md).
/// </summary>
public sealed class ReferenceBlocks(DatabaseOptions options, IServiceProvider services)
{
    public const int BlockSize = 100;

    private readonly ConcurrentDictionary<(Guid TenantId, int Year), Block> _blocks = new();

    public async Task<long> NextAsync(Guid tenantId, int year, CancellationToken cancellationToken)
    {
        var block = _blocks.GetOrAdd((tenantId, year), _ => new Block());
        await block.Gate.WaitAsync(cancellationToken);
        try
        {
            if (block.Next > block.Last)
            {
                block.Last = await ReserveAsync(tenantId, year, cancellationToken);
                block.Next = block.Last - BlockSize + 1;
            }

            return block.Next++;
        }
        finally
        {
            block.Gate.Release();
        }
    }

    private async Task<long> ReserveAsync(Guid tenantId, int year, CancellationToken cancellationToken)
    {
        await using var connection = await ServiceConnections.OpenAsync(options, services, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var last = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            ServiceConnections.SetTenant(tenantId) +
            """
            INSERT INTO complaint_sequences (tenant_id, year, last_value) VALUES (@TenantId, @Year, @Size)
            ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = complaint_sequences.last_value + @Size
            RETURNING last_value
            """,
            new { TenantId = tenantId, Year = year, Size = BlockSize }, transaction, options.CommandTimeoutSeconds,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(CancellationToken.None);
        return last;
    }

    private sealed class Block
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long Next { get; set; } = 1;

        public long Last { get; set; }
    }
}
