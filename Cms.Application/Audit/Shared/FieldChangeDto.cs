namespace Cms.Application.Audit;

/// <summary>A changed field as an audit reader sees it: personal values null once the consumer is erased
/// (<paramref name="Personal"/> says why they are null).</summary>
public sealed record FieldChangeDto(string Field, string? Old, string? New, bool Personal);
