using Microsoft.EntityFrameworkCore;

namespace Cms.Bench.Peer;

/// <summary>The caller's tenant, from the validated bearer token's <c>tenant_id</c> claim (Guid.Empty outside a request).</summary>
public sealed class TenantProvider(IHttpContextAccessor accessor)
{
    public Guid TenantId { get; } =
        Guid.TryParse(accessor.HttpContext?.User.FindFirst("tenant_id")?.Value, out var id) ? id : Guid.Empty;
}

/// <summary>
/// The peer's model as a team writes it with EF Core: one DbContext per request, a global query filter on the caller's
/// tenant for every tenant entity (the multi-tenancy pattern of the EF Core documentation), no row-level security.
/// </summary>
public sealed class PeerDb(DbContextOptions<PeerDb> options, TenantProvider tenant) : DbContext(options)
{
    public Guid TenantId { get; } = tenant.TenantId;

    public DbSet<Consumer> Consumers => Set<Consumer>();

    public DbSet<Complaint> Complaints => Set<Complaint>();

    public DbSet<ComplaintDeadline> Deadlines => Set<ComplaintDeadline>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Complaint numbers from one sequence (EF Core's documented way to number orders): unique in every tenant, with
        // gaps, and no row that every filing of a tenant updates.
        modelBuilder.HasSequence<long>("complaint_numbers");

        modelBuilder.Entity<Consumer>(e =>
        {
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.TenantId, c.ExternalRef }).IsUnique();
            e.Property(c => c.ExternalRef).HasMaxLength(100);
            e.Property(c => c.FullName).HasMaxLength(200);
            e.Property(c => c.Email).HasMaxLength(254);
            e.HasQueryFilter(c => c.TenantId == TenantId);
        });

        modelBuilder.Entity<Complaint>(e =>
        {
            e.HasKey(c => c.Id);
            e.Property(c => c.Number).HasDefaultValueSql("nextval('complaint_numbers')");
            e.HasIndex(c => new { c.TenantId, c.Year, c.Number }).IsUnique();
            e.HasOne<Consumer>().WithMany().HasForeignKey(c => c.ConsumerId);
            e.HasMany(c => c.Deadlines).WithOne().HasForeignKey(d => d.ComplaintId);
            // the complaint list's filters, each in received order (the service has the same ones)
            e.HasIndex(c => new { c.TenantId, c.ReceivedAt, c.Id });
            e.HasIndex(c => new { c.TenantId, c.Status, c.ReceivedAt, c.Id });
            e.HasIndex(c => new { c.TenantId, c.AssigneeId, c.ReceivedAt, c.Id });
            e.HasIndex(c => new { c.TenantId, c.Category, c.ReceivedAt, c.Id });
            e.HasIndex(c => new { c.TenantId, c.NextDueAt, c.Id });
            e.Property(c => c.Channel).HasMaxLength(20);
            e.Property(c => c.Product).HasMaxLength(100);
            e.Property(c => c.Category).HasMaxLength(100);
            e.Property(c => c.Description).HasMaxLength(10000);
            e.Property(c => c.Priority).HasMaxLength(10);
            e.Property(c => c.Status).HasMaxLength(20);
            e.Property(c => c.Version).IsConcurrencyToken();
            e.HasQueryFilter(c => c.TenantId == TenantId);
        });

        modelBuilder.Entity<ComplaintDeadline>(e =>
        {
            e.HasKey(d => new { d.ComplaintId, d.Kind });
            e.Property(d => d.Kind).HasMaxLength(50);
            e.HasQueryFilter(d => d.TenantId == TenantId);
        });
    }
}

public sealed class Consumer
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public required string ExternalRef { get; set; }

    public required string FullName { get; set; }

    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Complaint
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    /// <summary>With <see cref="Number"/> the human reference, <c>CMP-{Year}-{Number:D6}</c>.</summary>
    public int Year { get; set; }

    /// <summary>From the <c>complaint_numbers</c> sequence, given by the INSERT and read back by EF (RETURNING).</summary>
    public long Number { get; set; }

    public Guid ConsumerId { get; set; }

    public required string Channel { get; set; }

    public required string Product { get; set; }

    public required string Category { get; set; }

    public required string Description { get; set; }

    public required string Priority { get; set; }

    public required string Status { get; set; }

    public Guid? AssigneeId { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset? NextDueAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }

    public List<ComplaintDeadline> Deadlines { get; set; } = [];
}

public sealed class ComplaintDeadline
{
    public Guid ComplaintId { get; set; }

    public Guid TenantId { get; set; }

    public required string Kind { get; set; }

    public DateTimeOffset DueAt { get; set; }

    public DateTimeOffset? MetAt { get; set; }
}
