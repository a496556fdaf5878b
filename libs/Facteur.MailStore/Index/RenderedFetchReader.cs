using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Index;

/// <summary>
/// Reads cached <see cref="RenderedFetchItems"/> for many messages of one folder through one open
/// <c>facteur-cache</c> (one FETCH command over 100,000 messages opens it once, not 100,000 times).
/// Not thread-safe; dispose it when the command ends.
/// </summary>
public sealed class RenderedFetchReader : IDisposable
{
    private readonly MailFolder _folder;
    private readonly string _format;
    private SafeFileHandle? _handle;
    private bool _opened;

    internal RenderedFetchReader(MailFolder folder, string format)
    {
        _folder = folder;
        _format = format;
    }

    /// <summary>The cached items of <paramref name="message"/> in this reader's format, or null (not cached yet, or another format).</summary>
    public RenderedFetchItems? Get(MessageRecord message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_folder.PendingRenderedFetchItems(message) is { } pending)
        {
            return pending.Format == _format ? pending : null;
        }

        if (_folder.CachedFetchPosition(message) is not { } position)
        {
            return null;
        }

        if (!_opened)
        {
            _opened = true;
            _handle = SummaryCacheFile.OpenForReading(_folder.CachePath);
        }

        var items = _handle is null ? null : SummaryCacheFile.ReadFetchItems(_handle, position.Offset, position.Length, message.Key);
        return items?.Format == _format ? items : null;
    }

    public void Dispose() => _handle?.Dispose();
}
