using System.Reflection;
using Dapper;

namespace Cms.Infrastructure.Persistence;

/// <summary>Adds a few named values to an anonymous parameter object (e.g. the expected version of an update). Every
/// value is added by name (not as a template), so the set can be read back (<see cref="DeferredWrites"/>).</summary>
internal sealed class DynamicParametersBuilder
{
    private readonly DynamicParameters _parameters = new();

    public DynamicParametersBuilder(object template)
    {
        foreach (var property in template.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.CanRead && property.GetIndexParameters().Length == 0)
            {
                _parameters.Add(property.Name, property.GetValue(template));
            }
        }
    }

    public DynamicParametersBuilder With(string name, object? value)
    {
        _parameters.Add(name, value);
        return this;
    }

    public DynamicParameters Build() => _parameters;
}
