using System.Reflection;
using Cms.Application.Common;

namespace Cms.Api.Http;

/// <summary>
/// Applies <see cref="InputGuard"/> to every bound argument of every API route, before the endpoint runs: body (each
/// field, by its JSON path), query and route values (by their parameter names), and to the raw query string. One place for the whole API, so a new
/// field or parameter is covered without a word in its validator: a NUL character or a date outside what the product
/// computes is a 400 naming the field, never a 500 from the database or from deadline arithmetic.
/// </summary>
public static class InputGuardFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices.GetService<IServiceProviderIsService>();
        var checkedArguments = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (Parameter: parameter, Index: index))
            .Where(p => FromRequest(p.Parameter, services))
            .Select(p => (p.Index, Field: IsScalar(p.Parameter.ParameterType) ? p.Parameter.Name ?? "" : ""))
            .ToArray();
        return invocation =>
        {
            var errors = new ValidationErrors();

            // The raw query too: a parser may drop what the rule refuses (a date with a trailing NUL parses), and a
            // parameter the endpoint reads itself is no bound argument.
            foreach (var (name, values) in invocation.HttpContext.Request.Query)
            {
                if (InputGuard.HasNul(name) || values.Any(InputGuard.HasNul))
                {
                    errors.Add(name, InputGuard.NulMessage(name));
                }
            }

            foreach (var (index, field) in checkedArguments)
            {
                if (index < invocation.Arguments.Count)
                {
                    InputGuard.Check(field, invocation.Arguments[index], errors);
                }
            }

            return errors.Any ? ValueTask.FromResult<object?>(Problems.From(errors.ToError())) : next(invocation);
        };
    }

    /// <summary>An argument the caller supplied (not a service, the HttpContext or the request's cancellation).</summary>
    private static bool FromRequest(ParameterInfo parameter, IServiceProviderIsService? services)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpContext) || type == typeof(HttpRequest) || type == typeof(CancellationToken)
            || parameter.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromServicesAttribute>() is not null)
        {
            return false;
        }

        return IsScalar(type) || services?.IsService(type) != true;
    }

    private static bool IsScalar(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying == typeof(string) || underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(Guid)
               || underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime) || underlying == typeof(DateOnly) || underlying == typeof(decimal);
    }
}
