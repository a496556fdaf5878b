using Facteur.Cli.Migration;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

public sealed class UidListMergeTests
{
    private static UidListDocument List(uint nextUid, params (uint Uid, string Key)[] records)
    {
        var document = new UidListDocument { UidValidity = 1700000000, NextUid = nextUid };
        document.Records.AddRange(records.Select(r => new UidListRecord(r.Uid, r.Key, [])));
        return document;
    }

    [Fact]
    public void A_uid_facteur_gave_provisionally_to_a_file_the_old_server_also_has_yields_to_the_old_servers_numbering()
    {
        // Before the switch: Facteur numbered two files Dovecot had not listed yet, in another order than Dovecot did.
        var facteur = List(4, (1, "a"), (2, "c"), (3, "b"));
        var dovecot = List(4, (1, "a"), (2, "b"), (3, "c"));

        Assert.Null(UidListMerge.Conflict(dovecot, facteur, new HashSet<string> { "a", "b", "c" }));
        Assert.Equal([(1u, "a"), (2u, "b"), (3u, "c")], UidListMerge.Merge(dovecot, facteur).Records.Select(r => (r.Uid, r.Key)));
    }

    [Fact]
    public void A_uid_facteur_gave_to_mail_only_it_has_is_a_conflict()
    {
        var facteur = List(3, (1, "a"), (2, "delivered-by-facteur"));
        var dovecot = List(3, (1, "a"), (2, "delivered-by-the-old-server"));

        Assert.Equal("delivered-by-facteur", UidListMerge.Conflict(dovecot, facteur, new HashSet<string> { "a", "delivered-by-the-old-server" })?.Key);
    }
}
