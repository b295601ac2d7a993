using Cms.Domain.Common;

namespace Cms.Tests.Domain;

/// <summary>Assertions on domain results that hand back the error or value for further checks.</summary>
internal static class ResultAssert
{
    public static void Succeeded(Result result) =>
        Assert.That(result.IsSuccess, Is.True, () => $"Expected success but got {result.Error}");

    public static T Succeeded<T>(Result<T> result)
    {
        Assert.That(result.IsSuccess, Is.True, () => $"Expected success but got {result.Error}");
        return result.Value;
    }

    public static Error Failed(Result result)
    {
        Assert.That(result.IsSuccess, Is.False, "Expected a failure but the result succeeded.");
        return result.Error!;
    }

    public static Error Failed<T>(Result<T> result)
    {
        Assert.That(result.IsSuccess, Is.False, "Expected a failure but the result succeeded.");
        return result.Error!;
    }

    /// <summary>A validation failure naming exactly <paramref name="field"/>.</summary>
    public static Error FailedValidation<T>(Result<T> result, string field) => IsValidation(Failed(result), field);

    public static Error FailedValidation(Result result, string field) => IsValidation(Failed(result), field);

    private static Error IsValidation(Error error, string field)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(error.Code, Is.EqualTo("validation"));
            Assert.That(error.Fields, Is.Not.Null);
            Assert.That(error.Fields?.Keys, Is.EquivalentTo(new[] { field }));
        }

        return error;
    }
}
