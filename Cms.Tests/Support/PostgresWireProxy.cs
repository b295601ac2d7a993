using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cms.Tests.Support;

/// <summary>
/// A loopback TCP proxy between the service and PostgreSQL that reads the client's messages of the PostgreSQL wire
/// protocol (v3, unencrypted: connect with <c>SslMode=Disable</c>). Two uses:
/// <list type="bullet">
/// <item>once armed, it loses one COMMIT's answer: on the first <c>COMMIT</c> (a simple query, or a statement of a
/// batch) of a transaction that sent <see cref="Arm"/>'s marker (e.g. "INSERT INTO complaints"), it forwards the COMMIT
/// to the server, waits for the server's first reply bytes (so the server has committed) and then closes both sockets
/// without passing the reply on. The client sees its connection die during COMMIT; the transaction is committed.
/// One-shot: it disarms itself.</item>
/// <item>it counts the round trips of each transaction that sends <see cref="CountRoundTrips"/>' marker (e.g. the
/// use case's application_name): every Sync (the end of an extended-protocol flight, however many statements it carries)
/// and every simple query but the ones Npgsql prepends to the next flight (DISCARD ALL, BEGIN), from BEGIN to the flight
/// that ends the transaction (<see cref="RoundTrips"/>).</item>
/// </list>
/// Bounded: it stops by itself after its lifetime, and on disposal.
/// </summary>
public sealed class PostgresWireProxy : IAsyncDisposable
{
    private const int SslRequest = 80877103;
    private const int GssEncRequest = 80877104;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop;
    private readonly ConcurrentDictionary<Task, bool> _pumps = new();
    private readonly Task _accepting;
    private byte[]? _marker;
    private int _armed;
    private int _dropped;

    /// <summary>Listens on a free loopback port, relaying to <paramref name="host"/>:<paramref name="port"/> for at most <paramref name="lifetime"/>.</summary>
    public static PostgresWireProxy Start(string host, int port, TimeSpan lifetime) => new(host, port, lifetime);

    /// <summary>Listens on a free loopback port, relaying to the server of <paramref name="connectionString"/>.</summary>
    public static PostgresWireProxy Start(string connectionString, TimeSpan lifetime)
    {
        var target = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return new(target.Host!, target.Port, lifetime);
    }

    /// <summary><paramref name="connectionString"/> through this proxy (unencrypted, so the proxy can read the protocol).</summary>
    public string Through(string connectionString) => new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
    {
        Host = "127.0.0.1",
        Port = Port,
        SslMode = Npgsql.SslMode.Disable,
    }.ConnectionString;

    private PostgresWireProxy(string host, int port, TimeSpan lifetime)
    {
        _host = host;
        _port = port;
        _stop = new CancellationTokenSource(lifetime);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>COMMITs whose answer was lost so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>Connections accepted so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Loses the answer to the next COMMIT of a transaction whose statements contain <paramref name="marker"/>.</summary>
    public void Arm(string marker)
    {
        _marker = Encoding.UTF8.GetBytes(marker);
        Volatile.Write(ref _armed, 1);
    }

    public bool Armed => Volatile.Read(ref _armed) == 1;

    private byte[]? _countMarker;
    private readonly LockedCollection<int> _roundTrips = new();

    /// <summary>Counts the round trips of every transaction from now on whose statements contain <paramref name="marker"/>.</summary>
    public void CountRoundTrips(string marker) => _countMarker = Encoding.UTF8.GetBytes(marker);

    /// <summary>The round trips of each counted transaction that has ended, in the order they ended.</summary>
    public IReadOnlyList<int> RoundTrips => _roundTrips.Snapshot();

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Connections++;
                var pump = RelayAsync(client);
                _pumps[pump] = true;
                _ = pump.ContinueWith(t => _pumps.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private sealed class Pair(TcpClient client, TcpClient server)
    {
        public TcpClient Client { get; } = client;

        public TcpClient Server { get; } = server;

        /// <summary>The client's current transaction sent the marker.</summary>
        public bool SawMarker { get; set; }

        /// <summary>The armed COMMIT went to the server: its answer must not reach the client.</summary>
        public volatile bool Dropping;

        /// <summary>Round trips of the current transaction so far (null: none begun); whether it sent the counting
        /// marker; whether its COMMIT or ROLLBACK went in the current flight.</summary>
        public int? Flights { get; set; }

        public bool Counted { get; set; }

        public bool Ending { get; set; }

        private int _closed;

        /// <summary>Closes both ends once: the stop token's callback and the pump's end can both call it.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            try
            {
                Client.Client?.LingerState = new LingerOption(true, 0); // RST: the client's read fails at once
            }
            catch (ObjectDisposedException)
            {
            }

            Client.Close();
            Server.Close();
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            client.NoDelay = true;
            server.NoDelay = true;
            await server.ConnectAsync(_host, _port, _stop.Token);
            var pair = new Pair(client, server);
            await using var registration = _stop.Token.Register(pair.Close);
            await Task.WhenAny(ClientToServerAsync(pair), ServerToClientAsync(pair));
            pair.Close();
        }
        catch (Exception)
        {
            client.Close();
            server.Close();
        }
    }

    private async Task ServerToClientAsync(Pair pair)
    {
        var from = pair.Server.GetStream();
        var to = pair.Client.GetStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (pair.Dropping)
                {
                    // The server answered the COMMIT: it is committed. The client never hears of it.
                    Interlocked.Increment(ref _dropped);
                    pair.Close();
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception)
        {
        }
    }

    private async Task ClientToServerAsync(Pair pair)
    {
        var from = pair.Client.GetStream();
        var to = pair.Server.GetStream();
        var startup = true;
        try
        {
            while (true)
            {
                byte type = 0;
                var header = new byte[startup ? 4 : 5];
                if (!await ReadExactlyAsync(from, header))
                {
                    return;
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(startup ? 0 : 1));
                if (!startup)
                {
                    type = header[0];
                }

                if (length < 4 || length > 64 * 1024 * 1024)
                {
                    return; // not the protocol this proxy speaks
                }

                var body = new byte[length - 4];
                if (!await ReadExactlyAsync(from, body))
                {
                    return;
                }

                if (startup)
                {
                    var code = body.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(body) : 0;
                    startup = code is SslRequest or GssEncRequest; // answered by one byte ('N'); the startup message follows
                }
                else
                {
                    Inspect(pair, type, body);
                }

                await to.WriteAsync(header, _stop.Token);
                await to.WriteAsync(body, _stop.Token);
                await to.FlushAsync(_stop.Token);
            }
        }
        catch (Exception)
        {
        }
    }

    /// <summary>Watches the transaction: the marker in a statement (simple query or Parse), its end by COMMIT or ROLLBACK
    /// (a simple query, or a statement of a batch), and its round trips.</summary>
    private void Inspect(Pair pair, byte type, byte[] body)
    {
        if (type == (byte)'S')
        {
            EndFlight(pair);
            return;
        }

        if (type is not ((byte)'Q' or (byte)'P'))
        {
            return;
        }

        if (_marker is { } marker && body.AsSpan().IndexOf(marker) >= 0)
        {
            pair.SawMarker = true;
        }

        if (_countMarker is { } counting && body.AsSpan().IndexOf(counting) >= 0)
        {
            pair.Counted = true;
        }

        var text = QueryText(type, body);
        if (type == (byte)'Q' && text.StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase))
        {
            (pair.Flights, pair.Counted, pair.Ending) = (0, false, false);
        }

        var ends = text.Equals("COMMIT", StringComparison.OrdinalIgnoreCase) || text.Equals("ROLLBACK", StringComparison.OrdinalIgnoreCase);
        if (text.Equals("COMMIT", StringComparison.OrdinalIgnoreCase) && pair.SawMarker && Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            pair.Dropping = true;
        }

        if (ends)
        {
            pair.SawMarker = false;
            pair.Ending = true;
        }

        // A simple query is a flight of its own, but for the ones Npgsql sends ahead of the next statement.
        if (type == (byte)'Q' && !text.StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase)
            && !text.StartsWith("DISCARD", StringComparison.OrdinalIgnoreCase))
        {
            EndFlight(pair);
        }
    }

    private void EndFlight(Pair pair)
    {
        if (pair.Flights is not { } flights)
        {
            return;
        }

        pair.Flights = flights + 1;
        if (pair.Ending)
        {
            if (pair.Counted)
            {
                _roundTrips.Add(flights + 1);
            }

            (pair.Flights, pair.Counted, pair.Ending) = (null, false, false);
        }
    }

    /// <summary>The SQL of a simple query, or of a Parse (after the statement's name), trimmed.</summary>
    private static string QueryText(byte type, byte[] body)
    {
        var start = type == (byte)'P' ? Array.IndexOf(body, (byte)0) + 1 : 0;
        var end = Array.IndexOf(body, (byte)0, start);
        return Encoding.UTF8.GetString(body, start, (end < 0 ? body.Length : end) - start).Trim().TrimEnd(';').Trim();
    }

    private async Task<bool> ReadExactlyAsync(NetworkStream stream, byte[] buffer)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(offset), _stop.Token);
            if (read == 0)
            {
                return false;
            }

            offset += read;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_pumps.Keys).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
