namespace Cms.Application.Abstractions;

/// <summary>
/// The database refused a write because storage it needs has not been prepared: on PostgreSQL, no monthly partition of
/// audit_entries or events covers the row's instant (partitions are created ahead of time by the migration command and
/// the service's partition job; there is deliberately no default partition). The transaction rolls back, so the change
/// is not made without its audit entry and its event. Answered as 503 in one place.
/// </summary>
public sealed class StorageNotReadyException(string message, Exception innerException) : Exception(message, innerException);
