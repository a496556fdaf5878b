namespace Facteur.MailStore.Index;

/// <summary>How a flag update combines with the flags a message has (STORE FLAGS / +FLAGS / -FLAGS).</summary>
public enum FlagChangeMode
{
    Replace,
    Add,
    Remove,
}

/// <summary>A flag update for a set of UIDs.</summary>
/// <param name="Uids">The messages; UIDs not in the folder are ignored.</param>
/// <param name="Mode">Replace, add or remove.</param>
/// <param name="Flags">System flags.</param>
/// <param name="Keywords">Keywords (created in <c>dovecot-keywords</c> when needed).</param>
/// <param name="UnchangedSince">RFC 7162 UNCHANGEDSINCE: messages whose mod-sequence is greater are not changed and are reported in <see cref="FlagUpdateResult.Modified"/>.</param>
public sealed record FlagChange(IReadOnlyCollection<uint> Uids, FlagChangeMode Mode, MessageFlags Flags, IReadOnlyCollection<string> Keywords, ulong? UnchangedSince = null);

/// <summary>A message's flags after an update.</summary>
public sealed record MessageFlagsState(uint Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, ulong ModSeq);

/// <summary>The outcome of a flag update.</summary>
/// <param name="Changed">Every message the update applied to, with its flags and mod-sequence now (also those whose flags did not actually change, with their unchanged mod-sequence, so STORE can answer FETCH for them).</param>
/// <param name="Modified">UIDs refused because of UNCHANGEDSINCE (RFC 7162 §3.1.3, the MODIFIED response code).</param>
/// <param name="State">The folder state after the update.</param>
public sealed record FlagUpdateResult(IReadOnlyList<MessageFlagsState> Changed, IReadOnlyList<uint> Modified, FolderState State);
