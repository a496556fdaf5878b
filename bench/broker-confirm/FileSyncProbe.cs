namespace Facteur.Bench.BrokerConfirm;

/// <summary>
/// What Postfix's cleanup(8) and the standalone host's spool pay instead of a broker confirm: a new
/// 2 KB file, written and fsynced. Files are kept until the end (deleting them between measurements
/// would make every create scan recently freed inodes on an ext4 without journal, see
/// bench/results/maildir-aside-ab-2026-11-30T1010Z.md).
/// </summary>
internal static class FileSyncProbe
{
    public static async Task<ConfirmLatencies> RunAsync(byte[] body, int count, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("facteur-fsync-probe.");
        var sequence = 0;
        Task Write()
        {
            using var file = new FileStream(Path.Combine(folder.FullName, (++sequence).ToString("D8", System.Globalization.CultureInfo.InvariantCulture)),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
            file.Write(body);
            file.Flush(flushToDisk: true);
            return Task.CompletedTask;
        }

        try
        {
            return await ConfirmLatencies.MeasureAsync(Write, count, cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
