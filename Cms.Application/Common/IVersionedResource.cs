namespace Cms.Application.Common;

/// <summary>
/// A resource changed under optimistic concurrency: every success answer carrying it has <c>ETag: "Version"</c>, the value
/// a later change sends back in If-Match (Cms.Api sets the header and states it in the OpenAPI document from this type).
/// </summary>
public interface IVersionedResource
{
    long Version { get; }
}
