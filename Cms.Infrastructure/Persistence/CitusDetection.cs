namespace Cms.Infrastructure.Persistence;

/// <summary>
/// Whether the PostgreSQL the service writes to is a Citus coordinator: <see cref="DatabaseOptions.Citus"/> when it is
/// set, otherwise read once per process from <c>pg_extension</c> (an extension is not installed or removed under a running
/// service). The bulk import asks it to choose between binary COPY through a staging table and the multi-row INSERTs
/// Citus accepts (ADR 0020).
/// </summary>
internal sealed class CitusDetection(DatabaseOptions options)
{
    private const int Unknown = 0, Plain = 1, Citus = 2;
    private int _state = options.Citus switch { true => Citus, false => Plain, null => Unknown };

    /// <summary>True on Citus. The first call without a configured answer reads the catalogue in the session's transaction.</summary>
    public async ValueTask<bool> IsCitusAsync(DbSession db, CancellationToken cancellationToken)
    {
        var state = Volatile.Read(ref _state);
        if (state == Unknown)
        {
            var citus = await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')", null,
                cancellationToken);
            state = citus ? Citus : Plain;
            Volatile.Write(ref _state, state);
        }

        return state == Citus;
    }
}
