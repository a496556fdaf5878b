namespace Facteur.MailboxApi.Imap.Framing;

/// <summary>
/// A literal's octets kept in a file (<see cref="LiteralSpill"/>): they belong at <see cref="Offset"/>
/// of the framed command, whose bytes go on from there without them.
/// </summary>
internal sealed record SpilledLiteral(int Offset, long Length, FileStream File)
{
    /// <summary>Closes the files (already unlinked: closing them frees their space).</summary>
    public static async ValueTask ReleaseAsync(IReadOnlyList<SpilledLiteral>? literals)
    {
        foreach (var literal in literals ?? [])
        {
            await literal.File.DisposeAsync().ConfigureAwait(false);
        }
    }
}
