using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cms.Tests.Fuzz;

/// <summary>The fuzz run's schema check finds what it is meant to find (so a conforming run proves something).</summary>
public sealed class SchemaConformanceTests
{
    private static readonly JsonNode Document = JsonNode.Parse("""
        {
          "components": { "schemas": {
            "Page": { "type": "object", "required": ["items"], "properties": {
              "items": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } },
              "nextCursor": { "type": ["string", "null"] } } },
            "Item": { "type": "object", "required": ["id", "status", "owner"], "properties": {
              "id": { "type": "string", "format": "uuid" },
              "status": { "enum": ["open", "closed"] },
              "count": { "type": "integer" },
              "at": { "type": "string", "format": "date-time" },
              "owner": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/Owner" } ] } } },
            "Owner": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } }
          } }
        }
        """)!;

    private static readonly JsonNode PageSchema = JsonNode.Parse("""{ "$ref": "#/components/schemas/Page" }""")!;

    private static IReadOnlyList<string> Check(string json)
    {
        using var value = JsonDocument.Parse(json);
        return new SchemaConformance(Document).Check(value.RootElement, PageSchema);
    }

    [Test]
    public void A_conforming_answer_has_no_violations() =>
        Assert.That(Check("""
            {"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","status":"open","count":3,"at":"2026-11-20T10:00:00Z",
              "owner":{"name":"A"}},{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a12","status":"closed","owner":null}],"nextCursor":null,
             "extra":true}
            """), Is.Empty);

    [TestCase("""{"items":"none"}""", "$.items: a String where the document says array")]
    [TestCase("""{"nextCursor":1,"items":[]}""", "$.nextCursor: a Number where the document says string or null")]
    [TestCase("""{"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","owner":null}]}""", "$.items[0]: lacks the required property 'status'")]
    [TestCase("""{"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","status":"lost","owner":null}]}""", "$.items[0].status: \"lost\" is not one of")]
    [TestCase("""{"items":[{"id":"x","status":"open","owner":null}]}""", "$.items[0].id: not a uuid")]
    [TestCase("""{"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","status":"open","count":1.5,"owner":null}]}""", "$.items[0].count: a Number where the document says integer")]
    [TestCase("""{"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","status":"open","at":"yesterday","owner":null}]}""", "$.items[0].at: not a date-time")]
    [TestCase("""{"items":[{"id":"7d1f2c9e-0b7a-4c55-9a57-1b2f7f0c1a11","status":"open","owner":{}}]}""", "$.items[0].owner: matches none of its oneOf schemas")]
    public void A_violation_is_found_with_its_path(string json, string expected) =>
        Assert.That(Check(json), Has.Some.StartsWith(expected));
}
