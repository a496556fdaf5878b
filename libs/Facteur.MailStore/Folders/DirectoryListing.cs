using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// The file names of one Maildir directory (<c>new/</c> or <c>cur/</c>): no dot files, no directories, nothing
/// when the directory is gone. On Linux every entry is read with <c>getdents64(2)</c> into one native buffer, and
/// a caller makes strings only of the names it keeps (a first sync: all of them, into a table sized from
/// <see cref="Count"/>; a message looked for after a rename: one). <see cref="System.IO.Enumeration.FileSystemEnumerable{TResult}"/>
/// cost a P/Invoke and a managed entry per name: ≈ 62 ms against the kernel's 35 ms for a 100,000-file
/// <c>cur/</c> (bench/results/imap-cold-select-gc-and-listing-2026-11-30T1800Z.md). Elsewhere, or without the
/// libc entry point, the names come from that enumerable, stored the same way.
/// </summary>
internal sealed unsafe partial class DirectoryListing : IDisposable
{
    private const int ENoEnt = 2;
    private const int EIntr = 4;
    private const int EAccess = 13;
    private const int ENotDir = 20;
    private const byte DtDir = 4;
    private const byte DtRegular = 8;
    private const int ChunkSize = 64 * 1024;

    private static volatile bool unsupported = !OperatingSystem.IsLinux();

    // Kept names, packed: a 2-byte length then the name's UTF-8 bytes (a file name is at most 255 bytes).
    private byte* _names;
    private nuint _used;
    private nuint _capacity;

    private DirectoryListing()
    {
    }

    /// <summary>How many file names were listed.</summary>
    public int Count { get; private set; }

    /// <summary>Lists <paramref name="directory"/>: empty when it does not exist.</summary>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be read.</exception>
    /// <exception cref="IOException">The listing failed.</exception>
    public static DirectoryListing Read(string directory)
    {
        var listing = new DirectoryListing();
        try
        {
            if (!unsupported)
            {
                try
                {
                    listing.ReadNative(directory);
                    return listing;
                }
                catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
                {
                    unsupported = true; // a libc without getdents64 (glibc before 2.30): the portable path from now on
                }
            }

            listing.ReadPortable(directory);
            return listing;
        }
        catch
        {
            listing.Dispose();
            throw;
        }
    }

    /// <summary>The names as strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // a POP3 maildrop's scan: once per file (see ReadNative)
    public List<string> ToStrings()
    {
        var names = new List<string>(Count);
        foreach (var name in this)
        {
            names.Add(Encoding.UTF8.GetString(name));
        }

        return names;
    }

    /// <summary>
    /// The name of the file whose Maildir key (the name before <c>:</c>) is <paramref name="key"/>, or null: a message
    /// looked for after another program renamed it, matched on the listed bytes without a string per name.
    /// </summary>
    public static string? FindByKey(string directory, string key)
    {
        using var listing = Read(directory);
        var wanted = Encoding.UTF8.GetBytes(key);
        foreach (var name in listing)
        {
            if (name.StartsWith(wanted) && (name.Length == wanted.Length || name[wanted.Length] == (byte)':'))
            {
                return Encoding.UTF8.GetString(name);
            }
        }

        return null;
    }

    public Enumerator GetEnumerator() => new(_names, _used);

    public void Dispose()
    {
        if (_names is not null)
        {
            NativeMemory.Free(_names);
            _names = null;
        }

        _used = _capacity = 0;
    }

    // Once per entry of a 100,000-file cur/ on a folder's first sync: compiled optimized on first call, as that
    // sync's own methods are (Index.MailFolder.SyncLocked says why).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadNative(string directory)
    {
        var fd = DirectoryDescriptor.Open(directory); // ENOTDIR for a file in the directory's place: nothing listed
        if (fd < 0)
        {
            ThrowUnlessGone(Marshal.GetLastPInvokeError(), directory);
            return;
        }

        var chunk = (byte*)NativeMemory.Alloc(ChunkSize);
        try
        {
            while (true)
            {
                var read = GetDents64(fd, chunk, ChunkSize);
                if (read == 0)
                {
                    return;
                }

                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }

                    ThrowUnlessGone(errno, directory);
                    return;
                }

                // struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
                for (nint offset = 0; offset < read;)
                {
                    var entry = chunk + offset;
                    var length = *(ushort*)(entry + 16);
                    var type = entry[18];
                    var name = new ReadOnlySpan<byte>(entry + 19, length - 19);
                    if (name.IndexOf((byte)0) is var end and >= 0)
                    {
                        name = name[..end]; // d_name is NUL-terminated, then padded to an 8-byte boundary
                    }
                    offset += length;
                    if (name.IsEmpty || name[0] == (byte)'.' || type == DtDir)
                    {
                        continue;
                    }

                    // Only a file system that does not fill in d_type (DT_UNKNOWN), or a symbolic link, needs a look at the
                    // entry itself; a link to a directory is one, as for FileSystemEntry.IsDirectory.
                    if (type != DtRegular && Directory.Exists(Path.Combine(directory, Encoding.UTF8.GetString(name))))
                    {
                        continue;
                    }

                    Add(name);
                }
            }
        }
        finally
        {
            NativeMemory.Free(chunk);
            DirectoryDescriptor.Close(fd);
        }
    }

    private void ReadPortable(string directory)
    {
        try
        {
            var names = new System.IO.Enumeration.FileSystemEnumerable<string>(directory,
                static (ref System.IO.Enumeration.FileSystemEntry entry) => entry.FileName.ToString(),
                new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false })
            {
                ShouldIncludePredicate = static (ref System.IO.Enumeration.FileSystemEntry entry) =>
                    !entry.IsDirectory && entry.FileName.Length > 0 && entry.FileName[0] != '.',
            };
            Span<byte> bytes = stackalloc byte[1024];
            foreach (var name in names)
            {
                Add(bytes[..Encoding.UTF8.GetBytes(name, bytes)]);
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Add(ReadOnlySpan<byte> name)
    {
        var needed = _used + 2 + (nuint)name.Length;
        if (needed > _capacity)
        {
            _capacity = Math.Max(needed, Math.Max(_capacity * 2, 64 * 1024));
            _names = (byte*)NativeMemory.Realloc(_names, _capacity);
        }

        *(ushort*)(_names + _used) = (ushort)name.Length;
        name.CopyTo(new Span<byte>(_names + _used + 2, name.Length));
        _used = needed;
        Count++;
    }

    private static void ThrowUnlessGone(int errno, string directory)
    {
        switch (errno)
        {
            case ENoEnt or ENotDir:
                return;
            case EAccess:
                throw new UnauthorizedAccessException($"Access to the path '{directory}' is denied.");
            default:
                throw new IOException($"Listing '{directory}' failed: {Marshal.GetPInvokeErrorMessage(errno)}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(int fd, byte* buffer, nuint count);

    /// <summary>The listed names, as UTF-8 bytes valid until the listing is disposed.</summary>
    public ref struct Enumerator
    {
        private readonly byte* _names;
        private readonly nuint _used;
        private nuint _next;

        internal Enumerator(byte* names, nuint used)
        {
            _names = names;
            _used = used;
        }

        public ReadOnlySpan<byte> Current { get; private set; }

        public bool MoveNext()
        {
            if (_next >= _used)
            {
                return false;
            }

            var length = *(ushort*)(_names + _next);
            Current = new ReadOnlySpan<byte>(_names + _next + 2, length);
            _next += 2 + (nuint)length;
            return true;
        }
    }
}
