namespace Facteur.MailStore.Index;

/// <summary>A message file written into a folder's tmp/ and waiting for its UID (APPEND, COPY).</summary>
/// <param name="TmpPath">The file in tmp/.</param>
/// <param name="Key">Its final base name with <c>,S=</c> and <c>,W=</c>.</param>
/// <param name="Flags">Its flags.</param>
/// <param name="Keywords">Its keywords.</param>
/// <param name="Size">RFC822.SIZE.</param>
/// <param name="InternalDateMs">Its mtime (internal date), Unix milliseconds.</param>
internal sealed record PendingFile(string TmpPath, string Key, MessageFlags Flags, IReadOnlyCollection<string> Keywords, long Size, long InternalDateMs);
