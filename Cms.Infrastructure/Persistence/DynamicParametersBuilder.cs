using Dapper;

namespace Cms.Infrastructure.Persistence;

/// <summary>Adds a few named values to an anonymous parameter object (e.g. the expected version of an update).</summary>
internal sealed class DynamicParametersBuilder(object template)
{
    private readonly DynamicParameters _parameters = new(template);

    public DynamicParametersBuilder With(string name, object? value)
    {
        _parameters.Add(name, value);
        return this;
    }

    public DynamicParameters Build() => _parameters;
}
