using Cms.Domain.Common;

namespace Cms.Tests.Domain;

/// <summary>Results, errors, text normalisation and identifiers.</summary>
public sealed class CommonTests
{
    [Test]
    public void A_successful_result_has_its_value_and_no_error()
    {
        Result<int> result = 42;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.True);
            Assert.That(result.Error, Is.Null);
            Assert.That(result.Value, Is.EqualTo(42));
            Assert.That(Result.Success().IsSuccess, Is.True);
        }
    }

    [Test]
    public void A_failed_result_has_its_error_and_no_value()
    {
        var error = Error.NotFound("complaint");
        Result<int> result = error;
        Result plain = error;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsSuccess, Is.False);
            Assert.That(result.Error, Is.SameAs(error));
            Assert.That(plain.IsSuccess, Is.False);
            Assert.That(plain.Error, Is.SameAs(error));
            Assert.That(Result.Failure(error).Error, Is.SameAs(error));
            Assert.That(Result<int>.Failure(error).Error, Is.SameAs(error));
            Assert.That(() => result.Value, Throws.InvalidOperationException.With.Message.Contains("complaint.not_found"));
        }
    }

    [Test]
    public void Error_factories()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Error.NotFound("consumer"),
                Is.EqualTo(new Error(ErrorKind.NotFound, "consumer.not_found", "The consumer does not exist.")));
            Assert.That(Error.Conflict("x.y", "Why."), Is.EqualTo(new Error(ErrorKind.Conflict, "x.y", "Why.")));
            Assert.That(Error.Forbidden("No."), Is.EqualTo(new Error(ErrorKind.Forbidden, "forbidden", "No.")));

            var stale = Error.StaleVersion(3, 5);
            Assert.That(stale.Kind, Is.EqualTo(ErrorKind.PreconditionFailed));
            Assert.That(stale.Code, Is.EqualTo("version.stale"));
            Assert.That(stale.Message, Does.Contain("version 3").And.Contain("version is 5"));

            var one = Error.Validation("name", "Required.");
            Assert.That(one.Kind, Is.EqualTo(ErrorKind.Validation));
            Assert.That(one.Message, Is.EqualTo("Required."));
            Assert.That(one.Fields?["name"], Is.EqualTo(new[] { "Required." }));

            var many = Error.Validation(new Dictionary<string, string[]> { ["a"] = ["x"], ["b"] = ["y", "z"] });
            Assert.That(many.Code, Is.EqualTo("validation"));
            Assert.That(many.Message, Is.EqualTo("One or more fields are invalid."));
            Assert.That(many.Fields?.Keys, Is.EquivalentTo(new[] { "a", "b" }));
        }
    }

    [TestCase(" Jane.Doe@Example.COM ", "jane.doe@example.com")]
    [TestCase("a@b.c", "a@b.c")]
    public void NormaliseEmail_trims_and_lowers(string input, string expected)
    {
        Assert.That(Text.NormaliseEmail(input), Is.EqualTo(expected));
    }

    [TestCase("+44 (0)20 7946-0000", "+4402079460000")]
    [TestCase(" 020 7946 0000 ", "02079460000")]
    [TestCase("  +1-212-555-0100", "+12125550100")]
    [TestCase("0044+20", "004420")]
    public void NormalisePhone_keeps_a_leading_plus_and_the_digits(string input, string expected)
    {
        Assert.That(Text.NormalisePhone(input), Is.EqualTo(expected));
    }

    [Test]
    public void New_ids_are_version_7_and_time_ordered()
    {
        var first = Ids.New();
        var second = Ids.New();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Version, Is.EqualTo(7));
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(first.ToString("N")[..12].CompareTo(second.ToString("N")[..12]), Is.LessThanOrEqualTo(0));
        }
    }
}
