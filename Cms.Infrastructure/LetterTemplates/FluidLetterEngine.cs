using System.Text.Encodings.Web;
using Cms.Application.Letters;
using Fluid;
using Fluid.Values;

namespace Cms.Infrastructure.LetterTemplates;

/// <summary>
/// Letter templates in Liquid (Fluid). Before a template is published its syntax tree is walked and only a closed set of
/// nodes passes (<see cref="TemplateWalker"/>): text, <c>{{ placeholder }}</c> with a few text filters, <c>if</c> /
/// <c>unless</c> / <c>else</c> over placeholders, comments. Everything else (assign, capture, for, include, render,
/// cycle, raw, indexes, a member that is not a placeholder, a filter not listed) is an error naming what it is. Rendering
/// sees only the placeholder values (nested dictionaries of strings: Fluid reads no CLR object's members), with a step
/// limit, HTML-encoded for the HTML body and as written for text.
/// </summary>
internal sealed class FluidLetterEngine : ILetterEngine
{
    private static readonly FluidParser Parser = new();

    // No file provider (include/render reach nothing even if a walker gap let one through), bounded work and output.
    private static readonly TemplateOptions Options = new TemplateOptionsBuilder()
        .WithMaxSteps(100_000)
        .WithMaxRecursion(10)
        .WithMaxOutputSize(1_000_000)
        .Build();

    public TemplateCheck Check(string source)
    {
        if (!Parser.TryParse(source, out var template, out var error))
        {
            return new TemplateCheck(new HashSet<string>(), [$"The template does not parse: {error}"]);
        }

        var walker = new TemplateWalker();
        walker.VisitTemplate(template);
        return new TemplateCheck(walker.Placeholders, walker.Errors);
    }

    public string Render(string source, IReadOnlyDictionary<string, string?> values, bool html)
    {
        // Published templates passed Check; parsing again is cheap next to the database work of a letter.
        var template = Parser.Parse(source);
        var context = new TemplateContext(Options);
        // Placeholders are "root.member": one dictionary of strings per root. Strings and dictionaries have no CLR members to reach.
        foreach (var group in values.GroupBy(v => v.Key[..v.Key.IndexOf('.', StringComparison.Ordinal)], StringComparer.Ordinal))
        {
            var members = group.ToDictionary(m => m.Key[(group.Key.Length + 1)..], m => StringValue.Create(m.Value ?? ""), StringComparer.Ordinal);
            context.SetValue(group.Key, DictionaryValue.Create(new FluidValueDictionaryFluidIndexable(members)));
        }

        return template.Render(context, html ? HtmlEncoder.Default : NullEncoder.Default, false);
    }
}
