using System.Globalization;
using System.Text;
using Facteur.Cli.Files;
using Facteur.MailStore.Folders;

namespace Facteur.Cli.Mbox;

/// <summary>What one mbox import did.</summary>
/// <param name="SkippedLeadingBytes">Bytes before the first From_ line: not part of any message (not an mbox?).</param>
/// <param name="FlagsUpdated">Messages already there whose flags or keywords changed in the mbox since: renamed to match.</param>
internal sealed record MboxImportResult(int Imported, int AlreadyPresent, int FlagsUpdated, long Bytes, int KeywordsDropped, long SkippedLeadingBytes);

/// <summary>
/// Imports an mbox into one Maildir folder, one message at a time (bounded memory whatever the size):
/// each message goes to <c>tmp/</c> (<see cref="SpillStream"/>: only once it is known to be new), is made
/// durable with its batch (<see cref="StagedFiles"/>), gets the internal date of its From_ line as mtime (what
/// Dovecot reports as INTERNALDATE for Maildir) and is renamed into <c>cur/</c> with its flags (or <c>new/</c>
/// when no client had seen it). File names derive from the date and a hash of the content, so importing the
/// same mbox again — an interrupted migration resumed, a re-run for the delta — skips what is there (and
/// renames it when its flags changed in the mbox since).
/// UIDs Dovecot kept in the mbox (X-IMAPbase, X-UID) are carried into <c>dovecot-uidlist</c> when the folder
/// has none yet, so IMAP and POP3 clients keep their UIDs and UIDLs.
/// </summary>
internal sealed class MboxImport(MaildirFolder folder, bool dryRun = false)
{
    /// <summary>The host part of imported file names: fixed, so a re-run on another machine finds the same names.</summary>
    private const string HostPart = "mbox";

    /// <summary>Messages up to this size are held in memory until their name is known (most mail is far smaller).</summary>
    private const int InMemoryLimit = 1024 * 1024;

    public Action<long>? Progress { get; init; }

    /// <summary>
    /// True (mboxrd, what <c>facteur mbox export</c> and most tools write): <c>&gt;From </c> lines lose one '&gt;'.
    /// False for a maildrop an IMAP/POP3 server kept: Postfix's local(8) quotes body lines as <c>&gt;From </c> and
    /// Dovecot serves them quoted, so clients hold those bytes under the UIDs the migration keeps — and a UID
    /// must always name the same bytes (RFC 3501 section 2.3.1.1).
    /// </summary>
    public bool UnquoteFromLines { get; init; } = true;

    public async Task<MboxImportResult> ImportAsync(Stream mbox, CancellationToken cancellationToken)
    {
        if (!dryRun)
        {
            folder.EnsureCreated();
        }

        var existing = ExistingKeys();
        var keywords = DovecotKeywords.Read(folder.Path);
        var keywordsChanged = false;
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        var uids = new List<UidListRecord>();
        (uint UidValidity, uint NextUid)? uidBase = null;
        int imported = 0, present = 0, flagsUpdated = 0, keywordsDropped = 0;
        long bytes = 0;
        var reader = new MboxReader(mbox, UnquoteFromLines);
        var staged = new StagedFiles();
        var buffer = new MemoryStream();
        try
        {
            while (reader.Next() is var (from, content))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var filter = new MessageHeaderFilter();
                var tmpPath = dryRun ? null : Path.Combine(folder.Path, "tmp", $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}.P{Environment.ProcessId}.{Guid.NewGuid():N}.import");
                using var output = new SpillStream(tmpPath, buffer, InMemoryLimit);
                filter.Copy(content, output, cancellationToken);
                uidBase ??= filter.UidBase;
                if (filter.IsFolderInternalData)
                {
                    output.Discard();
                    continue;
                }

                var key = KeyOf(from.Date, filter, occurrences);
                if (filter.Uid is { } uid)
                {
                    uids.Add(new UidListRecord(uid, key, []));
                }

                var letters = new StringBuilder();
                foreach (var keyword in filter.Flags.Keywords)
                {
                    if (keywords.LetterOf(keyword) is { } letter)
                    {
                        letters.Append(letter);
                    }
                    else if (keywords.GetOrAdd(keyword) is { } added)
                    {
                        letters.Append(added);
                        keywordsChanged = true;
                    }
                    else
                    {
                        keywordsDropped++; // Maildir names hold 26 keywords per folder
                    }
                }

                var isNew = !filter.Flags.Old && filter.Flags.Flags == MaildirFlags.None && letters.Length == 0;
                var (sub, name) = isNew ? ("new", key) : ("cur", new MaildirEntryName(key, filter.Flags.Flags, letters.ToString(), null, null).WithInfo(filter.Flags.Flags, letters.ToString()));
                if (existing.TryGetValue(key, out var there))
                {
                    output.Discard();
                    var current = MaildirEntryName.Parse(there.Name);
                    if (current.Flags != filter.Flags.Flags || !SameLetters(current.Keywords, letters.ToString()))
                    {
                        // A re-run after users went on reading and flagging on the old server: its flags win
                        // until the switch, as for Maildir folders (MaildirTreeCopy).
                        flagsUpdated++;
                        if (!dryRun)
                        {
                            staged.Commit(); // the file may be one this run staged
                            File.Move(Path.Combine(folder.Path, there.Sub, there.Name), Path.Combine(folder.Path, sub, name), overwrite: false);
                        }

                        existing[key] = (sub, name);
                    }
                    else
                    {
                        present++;
                    }

                    continue;
                }

                imported++;
                bytes += filter.Size;
                Progress?.Invoke(filter.Size);
                existing[key] = (sub, name);
                if (tmpPath is null)
                {
                    continue;
                }

                output.Save();
                File.SetLastWriteTimeUtc(tmpPath, from.Date.UtcDateTime);
                staged.Add(tmpPath, Path.Combine(folder.Path, sub, name), filter.Size);
            }

            // The messages are on disk before the uidlist that names them.
            staged.Commit();
        }
        catch
        {
            staged.Discard();
            throw;
        }

        if (!dryRun)
        {
            await FinishAsync(keywordsChanged ? keywords : null, uidBase, uids, cancellationToken).ConfigureAwait(false);
        }

        return new MboxImportResult(imported, present, flagsUpdated, bytes, keywordsDropped, reader.SkippedLeadingBytes);
    }

    /// <summary>The file's key; the Nth copy of the same message on the same date gets N.</summary>
    private static string KeyOf(DateTimeOffset date, MessageHeaderFilter filter, Dictionary<string, int> occurrences)
    {
        var baseName = BaseName(date, filter.Sha256);
        var occurrence = occurrences.GetValueOrDefault(baseName) + 1;
        occurrences[baseName] = occurrence;
        return string.Create(CultureInfo.InvariantCulture, $"{baseName}N{occurrence}.{HostPart},S={filter.Size},W={filter.VirtualSize}");
    }

    private static bool SameLetters(string a, string b) =>
        a.Length == b.Length && a.Order().SequenceEqual(b.Order());

    /// <summary>&lt;unix time&gt;.M&lt;microseconds&gt;H&lt;16 hex of SHA-256&gt;: the same message on the same date gets the same name.</summary>
    private static string BaseName(DateTimeOffset date, byte[] sha256)
    {
        var micros = (date.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.M{micros % 1_000_000}H{Convert.ToHexStringLower(sha256, 0, 8)}");
    }

    private Dictionary<string, (string Sub, string Name)> ExistingKeys()
    {
        var keys = new Dictionary<string, (string Sub, string Name)>(StringComparer.Ordinal);
        foreach (var sub in (string[])["new", "cur"])
        {
            var directory = Path.Combine(folder.Path, sub);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(path);
                keys[MaildirEntryName.Parse(name).Key] = (sub, name);
            }
        }

        return keys;
    }

    private async Task FinishAsync(DovecotKeywords? keywords, (uint UidValidity, uint NextUid)? uidBase, List<UidListRecord> uids, CancellationToken cancellationToken)
    {
        using (await DotLock.AcquireAsync(Path.Combine(folder.Path, MaildirFolder.UidListLockFileName), MaildirFolder.UidListLockStaleAfter, folder.LockTimeout, cancellationToken).ConfigureAwait(false))
        {
            keywords?.Write(folder.Path);
            if (uidBase is { } based && uids.Count > 0 && !File.Exists(folder.UidListPath))
            {
                var document = UidListDocument.CreateNew(DateTimeOffset.UtcNow);
                document.UidValidity = based.UidValidity;
                var ordered = uids.GroupBy(r => r.Uid).Select(g => g.First()).OrderBy(r => r.Uid).ToList();
                document.Records.AddRange(ordered);
                document.NextUid = Math.Max(based.NextUid, ordered[^1].Uid + 1);
                var temp = folder.UidListPath + ".import.tmp";
                await File.WriteAllTextAsync(temp, document.ToString(), cancellationToken).ConfigureAwait(false);
                File.Move(temp, folder.UidListPath, overwrite: true);
            }
        }

        // UIDs for everything else, in the order Dovecot would give them.
        await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
    }
}
