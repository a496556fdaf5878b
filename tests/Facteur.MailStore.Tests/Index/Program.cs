using System.Globalization;
using System.Text;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// Entry point of the test assembly when run with <c>dotnet Facteur.MailStore.Tests.dll index-worker …</c>:
/// a separate process working on the same Maildir, as a second mailbox-api replica would. Under the
/// test runner this Main is never called.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["index-worker", var mailRoot, var user, var countText, var tag])
        {
            return 2;
        }

        var count = int.Parse(countText, CultureInfo.InvariantCulture);
        var store = new MessageStore(mailRoot, new MailboxOptions { LockTimeout = TimeSpan.FromSeconds(60) });
        var inbox = await store.OpenUser(user).OpenFolderAsync("INBOX");
        for (var i = 0; i < count; i++)
        {
            var result = await inbox.AppendAsync(new MemoryStream(Encoding.ASCII.GetBytes(IndexTestMaildir.Message($"{tag}-{i}"))), new AppendRequest());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uid {result.Uid}"));
            if (i < 5)
            {
                await inbox.UpdateFlagsAsync(new FlagChange([1u], FlagChangeMode.Add, MessageFlags.None, [$"{tag}{i}"]));
            }
        }

        return 0;
    }
}
