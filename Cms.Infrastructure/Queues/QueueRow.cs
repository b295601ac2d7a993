using Cms.Domain.Queues;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Queues;

/// <summary>A queues row.</summary>
internal sealed class QueueRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public string Code { get; init; } = "";
    public string Name { get; init; } = "";
    public DateTimeOffset? RetiredAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }

    public static readonly ColumnMap Map = new("queues", keys: ["tenant_id", "id"], setOnce: ["code", "name", "created_at"],
        mutable: ["retired_at", "updated_at", "version"]);

    public Queue ToDomain() => Queue.Restore(Id, TenantId, Code, Name, RetiredAt, CreatedAt, UpdatedAt, Version);
}
