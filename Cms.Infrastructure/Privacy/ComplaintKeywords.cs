using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cms.Application.Abstractions;
using Cms.Application.Complaints;
using Cms.Domain.Common;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Privacy;

/// <summary>
/// The blind keyword index of complaints' descriptions and notes: one row per distinct normalised word
/// (<see cref="SearchWords"/>) of each text, holding HMAC-SHA-256 of the word under the tenant's keyword key (derived
/// from the tenant key, never stored). A search hashes its words the same way, so the database matches words without
/// ever holding them; the same word hashes differently in every tenant. What it leaks, inside one tenant, to someone
/// who can read the table: how often each (unknown) word occurs and which complaints share words.
/// </summary>
internal sealed class ComplaintKeywords(DbSession db, TenantScope scope, ConsumerKeyring keys)
{
    // Rows per INSERT on SQLite: three parameters a row keeps each statement well inside its parameter limit.
    private const int RowsPerStatement = 200;

    /// <summary>Indexes the words of <paramref name="text"/> (a note's) for the complaint.</summary>
    public Task IndexAsync(Guid complaintId, string? text, CancellationToken cancellationToken) =>
        IndexWordsAsync(complaintId, null, text, cancellationToken);

    /// <summary>Indexes the words of a complaint filed in this transaction, whose row is already inserted: on PostgreSQL
    /// the insert's foreign-key check holds its consumer's row (FOR KEY SHARE) until COMMIT, which an erasure's lock
    /// (FOR UPDATE, <c>ConsumerRepository.GetForErasureAsync</c>) waits for, so the check against an erasure meanwhile
    /// reads the consumer without a second lock of its own.</summary>
    public Task IndexFiledAsync(Guid complaintId, Guid consumerId, string? text, CancellationToken cancellationToken) =>
        IndexWordsAsync(complaintId, consumerId, text, cancellationToken);

    private async Task IndexWordsAsync(Guid complaintId, Guid? filedFor, string? text, CancellationToken cancellationToken)
    {
        var words = SearchWords.Of(text);
        if (words.Count == 0 || await keys.CurrentTenantKeyAsync(create: false, cancellationToken) is not { } tenantKey)
        {
            return;
        }

        var hashes = Hash(tenantKey, words);
        if (db is PostgresSession)
        {
            // One statement text whatever the word count (the rows as arrays, unnested, as IndexManyAsync), the check
            // against an erasure meanwhile in it.
            var ids = hashes.Select(_ => Ids.New()).ToArray();
            var hashArray = hashes.ToArray();
            await (filedFor is { } consumerId
                ? db.DeferAsync(FiledUnlessErased, new { TenantId = scope.Required, ComplaintId = complaintId, ConsumerId = consumerId, Ids = ids, Hashes = hashArray }, cancellationToken)
                : db.DeferAsync(IndexedUnlessErasedMeanwhile, new { TenantId = scope.Required, ComplaintId = complaintId, Ids = ids, Hashes = hashArray }, cancellationToken));
            return;
        }

        foreach (var chunk in hashes.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder("INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash) VALUES ");
            var p = new DynamicParameters();
            p.Add("TenantId", scope.Required);
            p.Add("ComplaintId", complaintId);
            for (var i = 0; i < chunk.Length; i++)
            {
                var n = i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "" : ", ").Append("(@TenantId, @ComplaintId, @I").Append(n).Append(", @W").Append(n).Append(')');
                p.Add("I" + n, Ids.New());
                p.Add("W" + n, chunk[i]);
            }

            await db.DeferAsync(sql.ToString(), p, cancellationToken);
        }
    }

    /// <summary>Indexes the words of many complaints' texts (a batch of the conversion): on PostgreSQL one statement for all
    /// (the rows as arrays, unnested), held for the transaction's next round trip; SQLite as <see cref="IndexAsync"/>.
    /// Without <see cref="IndexAsync"/>'s check against an erasure meanwhile: the caller has read the consumers' keys
    /// through <c>ConsumerTextKeys.PreloadAsync</c>, which holds their rows the same way and passes only the texts of
    /// consumers not erased.</summary>
    public async Task IndexManyAsync(IReadOnlyList<(Guid ComplaintId, string? Text)> texts, CancellationToken cancellationToken)
    {
        if (db is not PostgresSession)
        {
            foreach (var (complaintId, text) in texts)
            {
                await IndexAsync(complaintId, text, cancellationToken);
            }

            return;
        }

        if (texts.Count == 0 || await keys.CurrentTenantKeyAsync(create: false, cancellationToken) is not { } tenantKey)
        {
            return;
        }

        var complaintIds = new List<Guid>();
        var hashes = new List<string>();
        foreach (var (complaintId, text) in texts)
        {
            foreach (var hash in Hash(tenantKey, SearchWords.Of(text)))
            {
                complaintIds.Add(complaintId);
                hashes.Add(hash);
            }
        }

        if (hashes.Count > 0)
        {
            await db.DeferAsync(
                """
                INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash)
                SELECT @TenantId, k.complaint_id, k.id, k.word_hash FROM unnest(@ComplaintIds, @Ids, @Hashes) AS k(complaint_id, id, word_hash)
                """,
                new { TenantId = scope.Required, ComplaintIds = complaintIds.ToArray(), Ids = hashes.Select(_ => Ids.New()).ToArray(), Hashes = hashes.ToArray() },
                cancellationToken);
        }
    }

    /// <summary>
    /// A note's words' rows, written cleared when the consumer is erased: an erasure that commits while this write is in
    /// flight clears the consumer's words before this write's are visible to it, so this write checks for itself,
    /// holding the consumer's row (FOR SHARE) until COMMIT: an erasure that committed first (or held the row) leaves the
    /// consumer erased here and these words are written cleared; an erasure that comes after waits for this COMMIT and
    /// then clears them itself. SQLite has one writer at a time, so it cannot interleave. The arrays are cast (here and in
    /// <see cref="FiledUnlessErased"/>): unnest is overloaded, and a statement prepared without the driver's types
    /// (HotQueryPlanTests' plan check) must still resolve.
    /// </summary>
    private const string IndexedUnlessErasedMeanwhile =
        """
        WITH consumer AS (
            SELECT k.erased_at FROM consumers k
            WHERE k.tenant_id = @TenantId
              AND k.id = (SELECT consumer_id FROM complaints WHERE tenant_id = @TenantId AND id = @ComplaintId)
            FOR SHARE OF k)
        INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash)
        SELECT @TenantId, @ComplaintId, w.id, CASE WHEN (SELECT erased_at FROM consumer) IS NULL THEN w.word_hash END
        FROM unnest(@Ids::uuid[], @Hashes::text[]) AS w(id, word_hash)
        """;

    /// <summary>A filing's words (<see cref="IndexFiledAsync"/>): the consumer's row read unlocked, as the complaint's
    /// foreign key holds it already.</summary>
    private const string FiledUnlessErased =
        """
        INSERT INTO complaint_keywords (tenant_id, complaint_id, id, word_hash)
        SELECT @TenantId, @ComplaintId, w.id,
               CASE WHEN (SELECT k.erased_at FROM consumers k WHERE k.tenant_id = @TenantId AND k.id = @ConsumerId) IS NULL THEN w.word_hash END
        FROM unnest(@Ids::uuid[], @Hashes::text[]) AS w(id, word_hash)
        """;

    /// <summary>The hashes of a search's words in the tenant in scope; null when the tenant has no key (so no complaint).</summary>
    public async Task<IReadOnlyList<string>?> QueryHashesAsync(string query, CancellationToken cancellationToken) =>
        await keys.CurrentTenantKeyAsync(create: false, cancellationToken) is { } tenantKey
            ? Hash(tenantKey, [.. SearchWords.Of(query).Take(SearchWords.MaxPerQuery)])
            : null;

    /// <summary>Erasure: the consumer's words leave the index (cleared, as the service deletes nothing).</summary>
    public Task ForgetConsumerAsync(Guid consumerId, CancellationToken cancellationToken) =>
        db.DeferAsync( // nobody reads its count: it travels with the erasure's COMMIT (docs/adr/0011)
            """
            UPDATE complaint_keywords SET word_hash = NULL
            WHERE tenant_id = @TenantId AND word_hash IS NOT NULL
              AND complaint_id IN (SELECT id FROM complaints WHERE tenant_id = @TenantId AND consumer_id = @ConsumerId)
            """,
            new { TenantId = scope.Required, ConsumerId = consumerId }, cancellationToken);

    private static List<string> Hash(TenantKeyMaterial tenantKey, IReadOnlyList<string> words)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, tenantKey.KeywordIndexKey);
        Span<byte> mac = stackalloc byte[SHA256.HashSizeInBytes];
        var hashes = new List<string>(words.Count);
        foreach (var word in words)
        {
            hmac.AppendData(Encoding.UTF8.GetBytes(word));
            hmac.GetHashAndReset(mac);
            hashes.Add(Convert.ToHexStringLower(mac));
        }

        return hashes;
    }
}
