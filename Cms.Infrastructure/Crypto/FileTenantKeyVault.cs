using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cms.Infrastructure.Crypto;

/// <summary>
/// The tenant key vault on this machine's file system (docs/adr/0021-tenant-keys-outside-the-database.md): one file per
/// tenant, <c>&lt;tenant&gt;.key</c>, mode 0600 in a 0700 directory, holding the tenant's 32-byte vault key sealed under the
/// master key (AES-256-GCM, associated data "cms|&lt;tenant&gt;|tenant-key-vault"). Files are written whole to a temporary
/// name, flushed, then linked into place (never overwritten in place: a crash leaves the old file or the new one), and the
/// directory is flushed. Destroying writes a tombstone (<c>&lt;tenant&gt;.destroyed</c>) first, then overwrites and deletes the
/// key file and flushes the directory; a tenant with a tombstone never opens and never gets a key again. Every instance of
/// the service must see the same directory (a shared volume); each operation reads the file afresh.
/// </summary>
public sealed class FileTenantKeyVault : ITenantKeyVault
{
    private const string Format = "cms-tenant-key/1";
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _directory;
    private readonly IMasterKeyProvider _master;

    public FileTenantKeyVault(string directory, IMasterKeyProvider master)
    {
        _directory = Path.GetFullPath(directory);
        _master = master;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, DirectoryMode0700);
        }
    }

    public string Kind => "file";

    public Task CreateAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        ThrowIfDestroyed(tenantId);
        if (File.Exists(KeyPath(tenantId)))
        {
            return Task.CompletedTask;
        }

        var secret = Aead.NewKey();
        try
        {
            // Linked into place without overwriting: of two instances creating at once, one file wins and both use it.
            WriteEntry(tenantId, secret, overwrite: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        // A destruction that ran meanwhile wins (its tombstone came before its delete): what was just linked goes too.
        if (File.Exists(TombstonePath(tenantId)))
        {
            File.Delete(KeyPath(tenantId));
            FlushDirectory();
            throw new TenantKeyDestroyedException(tenantId);
        }

        return Task.CompletedTask;
    }

    public Task<byte[]> WrapAsync(Guid tenantId, byte[] secret, byte[] associatedData, CancellationToken cancellationToken) =>
        WithVaultKeyAsync(tenantId, vaultKey => Aead.Seal(vaultKey, secret, associatedData), cancellationToken);

    public Task<byte[]> UnwrapAsync(Guid tenantId, byte[] wrapped, byte[] associatedData, CancellationToken cancellationToken) =>
        WithVaultKeyAsync(tenantId, vaultKey => Aead.Open(vaultKey, wrapped, associatedData), cancellationToken);

    public async Task DestroyAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var tombstone = TombstonePath(tenantId);
        if (!File.Exists(tombstone))
        {
            await using (var stream = new FileStream(tombstone, NewFile(System.IO.FileMode.Create)))
            {
                stream.Flush(flushToDisk: true);
            }
        }

        var path = KeyPath(tenantId);
        if (File.Exists(path))
        {
            // Best effort against reading the freed blocks (a copy-on-write or journaling file system may keep them):
            // the entry is sealed under the master key as well, and a KMS is the answer where that matters.
            await using (var stream = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.Open, Access = FileAccess.Write }))
            {
                await stream.WriteAsync(new byte[stream.Length], cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Delete(path);
        }

        FlushDirectory();
    }

    public Task<int> ResealUnderActiveMasterKeyAsync(CancellationToken cancellationToken)
    {
        var resealed = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*.key"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Guid.TryParseExact(Path.GetFileNameWithoutExtension(path), "N", out var tenantId) || File.Exists(TombstonePath(tenantId)))
            {
                continue;
            }

            var entry = ReadEntry(tenantId);
            if (entry is null || entry.MasterKeyVersion == _master.ActiveVersion)
            {
                continue;
            }

            var vaultKey = OpenEntry(tenantId, entry);
            try
            {
                WriteEntry(tenantId, vaultKey, overwrite: true);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(vaultKey);
            }

            // A destruction that ran while this file was rewritten: its tombstone is there, so the rewritten file goes too.
            if (File.Exists(TombstonePath(tenantId)))
            {
                File.Delete(KeyPath(tenantId));
                FlushDirectory();
                continue;
            }

            resealed++;
        }

        return Task.FromResult(resealed);
    }

    public Task ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_directory, $".probe.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(probe, NewFile(System.IO.FileMode.CreateNew)))
            {
                stream.WriteByte(0);
                stream.Flush(flushToDisk: true);
            }

            FlushDirectory();
        }
        finally
        {
            File.Delete(probe);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => $"FileTenantKeyVault({_directory})";

    private sealed record Entry(string Format, Guid Tenant, string MasterKeyVersion, string Sealed);

    private string KeyPath(Guid tenantId) => Path.Combine(_directory, $"{tenantId:N}.key");

    private string TombstonePath(Guid tenantId) => Path.Combine(_directory, $"{tenantId:N}.destroyed");

    private static byte[] EntryAssociatedData(Guid tenantId) => Aead.Utf8($"cms|{tenantId:D}|tenant-key-vault");

    private void ThrowIfDestroyed(Guid tenantId)
    {
        if (File.Exists(TombstonePath(tenantId)))
        {
            throw new TenantKeyDestroyedException(tenantId);
        }
    }

    /// <summary>Runs <paramref name="use"/> with the tenant's vault key, read afresh from its file and wiped after.</summary>
    private Task<byte[]> WithVaultKeyAsync(Guid tenantId, Func<byte[], byte[]> use, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDestroyed(tenantId);
        var vaultKey = OpenEntry(tenantId, ReadEntry(tenantId) ?? throw new TenantKeyDestroyedException(tenantId));
        try
        {
            return Task.FromResult(use(vaultKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(vaultKey);
        }
    }

    private Entry? ReadEntry(Guid tenantId)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(KeyPath(tenantId));
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var entry = JsonSerializer.Deserialize<Entry>(bytes, JsonOptions);
        return entry is not null && entry.Format == Format && entry.Tenant == tenantId
            ? entry
            : throw new CryptographicException($"The tenant key vault's entry for tenant {tenantId:D} is not in a known format.");
    }

    private byte[] OpenEntry(Guid tenantId, Entry entry) =>
        _master.Unwrap(entry.MasterKeyVersion, Convert.FromBase64String(entry.Sealed), EntryAssociatedData(tenantId));

    private void WriteEntry(Guid tenantId, byte[] vaultKey, bool overwrite)
    {
        var version = _master.ActiveVersion;
        var entry = new Entry(Format, tenantId, version,
            Convert.ToBase64String(_master.Wrap(version, vaultKey, EntryAssociatedData(tenantId))));
        var temporary = Path.Combine(_directory, $".{tenantId:N}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, NewFile(System.IO.FileMode.CreateNew)))
            {
                JsonSerializer.Serialize(stream, entry, JsonOptions);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, KeyPath(tenantId), overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(KeyPath(tenantId)))
            {
                // Another instance created the tenant's entry first: keep theirs.
            }

            FlushDirectory();
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static FileStreamOptions NewFile(System.IO.FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode0600;
        }

        return options;
    }

    /// <summary>fsync of the directory: a rename, link or unlink is durable only once the directory is (POSIX).</summary>
    private void FlushDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = NativeMethods.Open(_directory, NativeMethods.ReadOnlyDirectory);
        if (descriptor < 0)
        {
            throw new IOException($"The tenant key vault's directory cannot be opened to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.Fsync(descriptor) != 0)
            {
                throw new IOException($"The tenant key vault's directory could not be flushed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.Close(descriptor);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static class NativeMethods
    {
        // O_RDONLY | O_DIRECTORY (Linux: 0x10000; macOS: 0x100000).
        public static readonly int ReadOnlyDirectory = OperatingSystem.IsMacOS() ? 0x100000 : 0x10000;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int descriptor);
    }
}
