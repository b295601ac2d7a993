using System.Collections.Frozen;
using Cms.Domain.Letters;
using Fluid.Ast;

namespace Cms.Infrastructure.LetterTemplates;

/// <summary>
/// Walks a parsed template and lets through only what a letter needs (an allow-list: a node type Fluid adds later is
/// refused until it is added here). Records the placeholders reached and, for anything else, what it is.
/// </summary>
internal sealed class TemplateWalker : AstVisitor
{
    private static readonly FrozenSet<Type> AllowedStatements = new[]
    {
        typeof(TextSpanStatement), typeof(OutputStatement), typeof(IfStatement), typeof(ElseIfStatement), typeof(ElseStatement),
        typeof(UnlessStatement), typeof(CommentStatement),
    }.ToFrozenSet();

    private static readonly FrozenSet<Type> AllowedExpressions = new[]
    {
        typeof(MemberExpression), typeof(LiteralExpression), typeof(FilterExpression), typeof(Fluid.Ast.BinaryExpressions.AndBinaryExpression),
        typeof(Fluid.Ast.BinaryExpressions.OrBinaryExpression), typeof(Fluid.Ast.BinaryExpressions.EqualBinaryExpression),
        typeof(Fluid.Ast.BinaryExpressions.NotEqualBinaryExpression),
    }.ToFrozenSet();

    /// <summary>Text filters only: none reads anything but its input (raw, which would bypass HTML escaping, is not here).</summary>
    private static readonly FrozenSet<string> AllowedFilters = new[]
    {
        "upcase", "downcase", "capitalize", "strip", "default", "escape",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly HashSet<string> _placeholders = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];

    public IReadOnlySet<string> Placeholders => _placeholders;

    public IReadOnlyList<string> Errors => _errors;

    public override Statement Visit(Statement statement)
    {
        if (!AllowedStatements.Contains(statement.GetType()))
        {
            _errors.Add($"'{TagName(statement)}' is not allowed in a letter template: only text, placeholders, if/unless/else and comments.");
            return statement;
        }

        return base.Visit(statement);
    }

    public override Expression Visit(Expression expression)
    {
        switch (expression)
        {
            case MemberExpression member:
                var path = PathOf(member);
                if (path is null || !LetterPlaceholders.All.Contains(path))
                {
                    _errors.Add($"'{path ?? "an indexed value"}' is not a placeholder (see the placeholders of GET /v1/letter-templates/requirements).");
                }
                else
                {
                    _placeholders.Add(path);
                }

                return expression;
            case FilterExpression filter when !AllowedFilters.Contains(filter.Name):
                _errors.Add($"The filter '{filter.Name}' is not allowed: only {string.Join(", ", AllowedFilters.Order(StringComparer.Ordinal))}.");
                return expression;
            case var other when !AllowedExpressions.Contains(other.GetType()):
                _errors.Add($"The expression '{other.GetType().Name.Replace("Expression", "", StringComparison.Ordinal)}' is not allowed in a letter template.");
                return expression;
            default:
                return base.Visit(expression);
        }
    }

    /// <summary>The dotted path of a member expression made of identifiers only; null when it indexes (<c>a[0]</c>, <c>a[x]</c>).</summary>
    private static string? PathOf(MemberExpression member) =>
        member.Segments.All(s => s is IdentifierSegment)
            ? string.Join('.', member.Segments.Cast<IdentifierSegment>().Select(s => s.Identifier))
            : null;

    private static string TagName(Statement statement) =>
        statement.GetType().Name.Replace("Statement", "", StringComparison.Ordinal).ToLowerInvariant();
}
