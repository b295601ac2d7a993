using Cms.Application.Common;
using Cms.Domain.Consumers;

namespace Cms.Application.Consumers;

public sealed record AddressDto(IReadOnlyList<string> Lines, string? City, string? Postcode, string Country);

public sealed record VulnerabilityDto(IReadOnlyList<VulnerabilityDriver> Drivers, bool ConsentRecorded);

/// <summary>A consumer as authorised callers read it. Personal data: never logged, never traced. After erasure every
/// personal field is null and <see cref="ErasedAt"/> is set.</summary>
public sealed record ConsumerDto(
    Guid Id,
    string? ExternalRef,
    string? FullName,
    string? Email,
    string? Phone,
    AddressDto? Address,
    DateOnly? DateOfBirth,
    VulnerabilityDto? Vulnerability,
    bool LegalHold,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    DateTimeOffset? ErasedAt = null) : IVersionedResource;
