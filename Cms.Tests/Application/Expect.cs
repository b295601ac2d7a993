using Cms.Application.Complaints;
using Cms.Domain.Audit;
using Cms.Domain.Common;

namespace Cms.Tests.Application;

/// <summary>Assertions on handler results and on what a failed command must leave behind.</summary>
internal static class Expect
{
    public static T Success<T>(Result<T> result)
    {
        Assert.That(result.IsSuccess, Is.True, () => $"Expected success but got {result.Error}");
        return result.Value;
    }

    public static Error Failure<T>(Result<T> result, ErrorKind kind, string? code = null)
    {
        Assert.That(result.IsSuccess, Is.False, "Expected a failure but the result succeeded.");
        var error = result.Error!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(kind), () => $"{error.Code}: {error.Message}");
            if (code is not null)
            {
                Assert.That(error.Code, Is.EqualTo(code));
            }
        }

        return error;
    }

    /// <summary>A validation failure naming exactly the given fields.</summary>
    public static Error Invalid<T>(Result<T> result, params string[] fields)
    {
        var error = Failure(result, ErrorKind.Validation, "validation");
        Assert.That(error.Fields?.Keys, Is.EquivalentTo(fields));
        return error;
    }

    /// <summary>Two complaint read models are equal field by field, deadlines included (records compare lists by reference).</summary>
    public static void SameComplaint(ComplaintDto actual, ComplaintDto expected)
    {
        using (Assert.EnterMultipleScope())
        {
            var none = new ComplaintVulnerabilityDto(false, [], null);
            Assert.That(actual with { Deadlines = [], Responses = [], Vulnerability = none },
                Is.EqualTo(expected with { Deadlines = [], Responses = [], Vulnerability = none }));
            Assert.That(actual.Deadlines, Is.EqualTo(expected.Deadlines));
            Assert.That(actual.Responses, Is.EqualTo(expected.Responses));
            Assert.That(actual.Vulnerability with { Drivers = [] }, Is.EqualTo(expected.Vulnerability with { Drivers = [] }));
            Assert.That(actual.Vulnerability.Drivers, Is.EqualTo(expected.Vulnerability.Drivers));
        }
    }

    /// <summary>Nothing was written (seeding aside) and nothing audited.</summary>
    public static void NothingWritten(World world)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(world.Db.Writes, Is.Empty, "writes");
            Assert.That(world.Db.Audit, Is.Empty, "audit entries");
        }
    }

    public static AuditEntry SingleAudit(World world) =>
        world.Db.Audit.Count == 1 ? world.Db.Audit[0] : throw new AssertionException($"Expected one audit entry, found {world.Db.Audit.Count}: {string.Join(", ", world.Db.Audit.Select(a => a.Action))}.");
}
