using Cms.Infrastructure.Persistence;

namespace Cms.Tests.Infrastructure;

/// <summary>
/// <see cref="ColumnMap.ValuesOf{TRow}"/>, which the bulk import calls for every row: the written columns' values in the
/// map's order (keys, set once, mutable; never the read-only ones), each from the property of its parameter's name, boxed
/// as they are (nulls stay null), from a reader compiled once per row type; a row type without a column's property is refused.
/// </summary>
public sealed class ColumnMapValuesTests
{
    private sealed class SampleRow
    {
        public Guid TenantId { get; init; }
        public long Id { get; init; }
        public string? ExternalRef { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public int Version { get; init; }
        public string ComputedElsewhere { get; init; } = "never written";
    }

    private sealed class RowWithoutVersion
    {
        public Guid TenantId { get; init; }
        public long Id { get; init; }
        public string? ExternalRef { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
    }

    private static readonly ColumnMap Map = new("samples", ["tenant_id", "id"], ["external_ref", "created_at"], ["version"], ["computed_elsewhere"]);

    [Test]
    public void A_rows_values_come_in_the_written_columns_order_as_they_are()
    {
        var tenant = Guid.NewGuid();
        var at = DateTimeOffset.Parse("2026-12-07T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var first = new SampleRow { TenantId = tenant, Id = 7, ExternalRef = null, CreatedAt = at, Version = 3 };
        var second = new SampleRow { TenantId = tenant, Id = 8, ExternalRef = "EXT-8", CreatedAt = at, Version = 1 };

        Assert.That(Map.ValuesOf(first), Is.EqualTo(new object?[] { tenant, 7L, null, at, 3 }));
        Assert.That(Map.ValuesOf(second), Is.EqualTo(new object?[] { tenant, 8L, "EXT-8", at, 1 }), "the compiled reader serves every row");
    }

    [Test]
    public void A_row_type_without_a_columns_property_is_refused() =>
        Assert.That(() => Map.ValuesOf(new RowWithoutVersion()),
            Throws.InvalidOperationException.With.Message.EqualTo("RowWithoutVersion has no property for samples.version"));
}
