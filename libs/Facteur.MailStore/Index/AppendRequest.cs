namespace Facteur.MailStore.Index;

/// <summary>What APPEND stores with a message (RFC 3501 §6.3.11).</summary>
/// <param name="Flags">Initial system flags.</param>
/// <param name="Keywords">Initial keywords.</param>
/// <param name="InternalDate">The internal date (becomes the file's mtime); null = now.</param>
public sealed record AppendRequest(MessageFlags Flags = MessageFlags.None, IReadOnlyCollection<string>? Keywords = null, DateTimeOffset? InternalDate = null);

/// <summary>Where an appended message landed (RFC 4315 APPENDUID).</summary>
public sealed record AppendResult(uint UidValidity, uint Uid);

/// <summary>UIDs of copied messages (RFC 4315 COPYUID): <see cref="SourceUids"/>[i] became <see cref="TargetUids"/>[i].</summary>
public sealed record CopyResult(uint TargetUidValidity, IReadOnlyList<uint> SourceUids, IReadOnlyList<uint> TargetUids);
