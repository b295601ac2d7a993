namespace Cms.Domain.Common;

/// <summary>New identifiers: version 7 (time-ordered) UUIDs keep B-tree inserts local and keyset order close to creation order.</summary>
public static class Ids
{
    public static Guid New() => Guid.CreateVersion7();
}
