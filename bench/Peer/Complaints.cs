using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace Cms.Bench.Peer;

/// <summary>The body of POST /v1/complaints, as the service accepts it (the fields the bench sends, and the optional ones).</summary>
public sealed record FileComplaintRequest(
    Guid ConsumerId, string? Channel, string? Product, string? Category, string? Description, DateTimeOffset? ReceivedAt, string? Priority);

public sealed record DeadlineResponse(string Kind, DateTimeOffset DueAt, DateTimeOffset? MetAt);

public sealed record ComplaintResponse(
    Guid Id, string Reference, Guid ConsumerId, string Channel, string Product, string Category, string Description, string Priority,
    string Status, Guid? AssigneeId, DateTimeOffset ReceivedAt, IReadOnlyList<DeadlineResponse> Deadlines, DateTimeOffset? NextDueAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    public static ComplaintResponse From(Complaint c) => new(
        c.Id, string.Create(CultureInfo.InvariantCulture, $"CMP-{c.Year}-{c.Number:D6}"), c.ConsumerId, c.Channel, c.Product, c.Category,
        c.Description, c.Priority, c.Status, c.AssigneeId, c.ReceivedAt,
        [.. c.Deadlines.OrderBy(d => d.DueAt).Select(d => new DeadlineResponse(d.Kind, d.DueAt, d.MetAt))],
        c.NextDueAt, c.CreatedAt, c.UpdatedAt, c.Version);
}

/// <summary>The two endpoints, written the way the EF Core and minimal API documentation show them.</summary>
public static class ComplaintEndpoints
{
    private static readonly string[] Channels = ["web", "email", "phone", "branch", "letter", "social", "partner"];
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    public static void MapComplaints(this WebApplication app)
    {
        app.MapPost("/v1/complaints", FileAsync).RequireAuthorization();
        app.MapGet("/v1/complaints/{id:guid}", GetAsync).RequireAuthorization();
    }

    private static async Task<IResult> FileAsync(FileComplaintRequest body, PeerDb db, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        // The query filter makes another tenant's consumer look missing.
        if (!await db.Consumers.AnyAsync(c => c.Id == body.ConsumerId, cancellationToken))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "consumer not found");
        }

        var now = DateTimeOffset.UtcNow;
        var receivedAt = body.ReceivedAt?.ToUniversalTime() ?? now;
        var id = Guid.CreateVersion7(now);
        var complaint = new Complaint
        {
            Id = id,
            TenantId = db.TenantId,
            Year = now.Year,
            ConsumerId = body.ConsumerId,
            Channel = body.Channel!,
            Product = body.Product!,
            Category = body.Category!,
            Description = body.Description!,
            Priority = body.Priority ?? "normal",
            Status = "received",
            ReceivedAt = receivedAt,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
            Deadlines =
            [
                // FCA DISP 1.5: summary resolution by the end of the third business day after receipt (weekends only:
                // the peer keeps no holiday calendar); DISP 1.6: final response within eight weeks.
                new ComplaintDeadline { ComplaintId = id, TenantId = db.TenantId, Kind = "summaryResolution", DueAt = EndOfDay(AddBusinessDays(receivedAt, 3)) },
                new ComplaintDeadline { ComplaintId = id, TenantId = db.TenantId, Kind = "finalResponse", DueAt = EndOfDay(receivedAt.AddDays(56)) },
            ],
        };
        complaint.NextDueAt = complaint.Deadlines.Min(d => d.DueAt);
        db.Complaints.Add(complaint);
        await db.SaveChangesAsync(cancellationToken);
        return Results.Created($"/v1/complaints/{id}", ComplaintResponse.From(complaint));
    }

    private static async Task<IResult> GetAsync(Guid id, PeerDb db, CancellationToken cancellationToken)
    {
        var complaint = await db.Complaints.AsNoTracking().Include(c => c.Deadlines).FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        return complaint is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "complaint not found")
            : Results.Ok(ComplaintResponse.From(complaint));
    }

    private static Dictionary<string, string[]> Validate(FileComplaintRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ConsumerId == Guid.Empty)
        {
            errors["consumerId"] = ["'consumerId' is required."];
        }

        if (body.Channel is null || !Channels.Contains(body.Channel))
        {
            errors["channel"] = ["'channel' must be one of " + string.Join(", ", Channels) + "."];
        }

        Required(errors, "product", body.Product, 100);
        Required(errors, "category", body.Category, 100);
        Required(errors, "description", body.Description, 10000);
        if (body.Priority is not null && !Priorities.Contains(body.Priority))
        {
            errors["priority"] = ["'priority' must be one of " + string.Join(", ", Priorities) + "."];
        }

        return errors;
    }

    private static void Required(Dictionary<string, string[]> errors, string name, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            errors[name] = [$"'{name}' is required, at most {maxLength} characters."];
        }
    }

    private static DateTimeOffset AddBusinessDays(DateTimeOffset from, int days)
    {
        var day = TimeZoneInfo.ConvertTime(from, London).Date;
        while (days > 0)
        {
            day = day.AddDays(1);
            if (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                days--;
            }
        }

        return new DateTimeOffset(day, London.GetUtcOffset(day));
    }

    /// <summary>The last moment of the day (London) the instant falls on, in UTC.</summary>
    private static DateTimeOffset EndOfDay(DateTimeOffset at)
    {
        var end = TimeZoneInfo.ConvertTime(at, London).Date.AddDays(1).AddTicks(-1);
        return new DateTimeOffset(end, London.GetUtcOffset(end)).ToUniversalTime();
    }
}
