using Facteur.MailStore.Folders;

namespace Facteur.Cli.Mbox;

/// <summary>
/// Writes a Maildir folder as an mbox in UID order: internal date (file mtime) on the From_ line, flags and
/// keywords in Status:/X-Status:/X-Keywords:, mboxrd quoting. One message at a time, streamed.
/// </summary>
internal static class MboxExport
{
    public static async Task<(int Messages, long Bytes)> ExportAsync(MaildirFolder folder, Stream output, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            throw new CommandFailedException($"no folder at {folder.Path}");
        }

        var snapshot = await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        var keywords = DovecotKeywords.Read(folder.Path);
        var writer = new MboxWriter(output);
        var count = 0;
        foreach (var message in snapshot.Messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = folder.Locate(message);
            if (current is null)
            {
                continue; // expunged meanwhile
            }

            await using var content = folder.OpenRead(current);
            if (content is null)
            {
                continue;
            }

            var flags = new MboxFlags { Flags = current.Flags, Old = !current.IsNew };
            flags.Keywords.AddRange(keywords.NamesOf(current.Keywords));
            var date = File.GetLastWriteTimeUtc(folder.FullPath(current));
            writer.Write(new DateTimeOffset(date, TimeSpan.Zero), flags, content);
            count++;
        }

        output.Flush();
        return (count, writer.BytesWritten);
    }
}
