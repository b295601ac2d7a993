using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Cms.Infrastructure.Audit;

/// <summary>
/// Tells this instance's sealer which tenants have committed changes waiting, so they are sealed a moment after
/// commit instead of at the next sweep. A tenant is queued once however many of its writes commit before the sealer
/// takes it; one committing after that queues it again.
/// </summary>
public sealed class ChangeSealerSignal
{
    private readonly Channel<Guid> _tenants = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, byte> _queued = new();

    public void Notify(Guid tenantId)
    {
        if (_queued.TryAdd(tenantId, 0))
        {
            _tenants.Writer.TryWrite(tenantId);
        }
    }

    /// <summary>The next tenant signalled, if one is waiting now.</summary>
    public bool TryNext(out Guid tenantId)
    {
        if (!_tenants.Reader.TryRead(out tenantId))
        {
            return false;
        }

        _queued.TryRemove(tenantId, out _);
        return true;
    }

    /// <summary>The next tenant to seal, or null when none was signalled within <paramref name="timeout"/>.</summary>
    public async Task<Guid?> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_tenants.Reader.TryRead(out var tenantId))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout);
            try
            {
                tenantId = await _tenants.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        _queued.TryRemove(tenantId, out _);
        return tenantId;
    }
}
