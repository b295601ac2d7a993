using Cms.Application.Common;
using Cms.Domain.Queues;

namespace Cms.Application.Queues;

/// <summary>A queue as callers read it; <see cref="Version"/> is its ETag.</summary>
public sealed record QueueDto(Guid Id, string Code, string Name, bool Retired, DateTimeOffset? RetiredAt, DateTimeOffset CreatedAt, long Version) : IVersionedResource
{
    public static QueueDto From(Queue q) => new(q.Id, q.Code, q.Name, q.IsRetired, q.RetiredAt, q.CreatedAt, q.Version);
}

/// <summary>The queues a staff member works, by code, and the member's version after the change (its ETag).</summary>
public sealed record StaffQueuesDto(Guid StaffId, IReadOnlyList<string> Queues, long Version) : IVersionedResource;
