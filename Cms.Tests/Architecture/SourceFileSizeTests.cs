using Cms.Tests.Support;

namespace Cms.Tests.Architecture;

/// <summary>
/// Rooms stay small (issue 16, conventions 13): no source file of the repository over 400 lines, tests, migrations and
/// scripts included. Generated code (the clients' generated folders, build output, packages) is what the rule excepts.
/// </summary>
public sealed class SourceFileSizeTests
{
    private const int MaxLines = 400;

    private static readonly string[] SourceExtensions = [".cs", ".sh", ".py", ".sql", ".ts", ".js"];

    private static readonly HashSet<string> SkippedFolders =
        new(["bin", "obj", "node_modules", ".git", "TestResults", "generated"], StringComparer.Ordinal);

    [Test]
    public void No_source_file_has_more_than_400_lines()
    {
        var files = SourceFiles(RepoPaths.Root).ToList();
        Assert.That(files, Has.Count.GreaterThan(500), "the walk found the repository's sources");

        var tooLong = files
            .Select(path => (Path: Path.GetRelativePath(RepoPaths.Root, path), Lines: File.ReadLines(path).Count()))
            .Where(file => file.Lines > MaxLines)
            .Select(file => $"{file.Path}: {file.Lines} lines")
            .ToList();
        Assert.That(tooLong, Is.Empty, $"split these by concern (at most {MaxLines} lines a file)");
    }

    private static IEnumerable<string> SourceFiles(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            if (SourceExtensions.Contains(Path.GetExtension(file), StringComparer.Ordinal))
            {
                yield return file;
            }
        }

        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            if (!SkippedFolders.Contains(Path.GetFileName(child)))
            {
                foreach (var file in SourceFiles(child))
                {
                    yield return file;
                }
            }
        }
    }
}
