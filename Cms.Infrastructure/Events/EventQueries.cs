using Cms.Application.Abstractions;
using Cms.Application.Events;
using Cms.Infrastructure.Audit;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Events;

/// <summary>
/// The feed: positioned events only. With a sealer given (the API's feed), the tenant's changes committed so far are
/// sealed first, so a client reads its own writes; the webhook dispatcher seals before it leases instead.
/// </summary>
// Reads the primary (not QuerySession): it seals the tenant's committed changes first, and a lagging replica would answer an empty page.
internal sealed class EventQueries(DbSession db, TenantScope scope, ChangeSealer? sealer = null) : IEventQueries
{
    public async Task<IReadOnlyList<EventDto>> ListAsync(long after, int take, CancellationToken cancellationToken)
    {
        if (sealer is not null)
        {
            try
            {
                await sealer.SealAsync(scope.Required, waitForTurn: true, cancellationToken);
            }
            catch (Npgsql.PostgresException)
            {
                // What cannot be sealed now (an event whose month has no partition yet) waits in the outbox; the
                // sealer's worker reports and retries it. The feed still serves every event placed so far.
            }
        }

        return [.. (await db.QueryAsync<EventRow>(
            $"SELECT {EventRow.Columns} FROM events WHERE tenant_id = @TenantId AND position > @After ORDER BY position LIMIT @Take",
            new { TenantId = scope.Required, After = after, Take = take }, cancellationToken)).Select(r => r.ToDto())];
    }
}
