using System.Diagnostics;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Store;

public sealed class DotLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("facteur-lock-").FullName;

    private string LockPath => Path.Combine(_directory, "dovecot-uidlist.lock");

    [Fact]
    public void Second_acquire_fails_while_the_first_holds_and_succeeds_after_release()
    {
        var first = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2));
        Assert.NotNull(first);
        Assert.Null(DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2)));
        first!.Dispose();
        Assert.False(File.Exists(LockPath));
        using var second = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2));
        Assert.NotNull(second);
    }

    [Fact]
    public void Lock_untouched_for_longer_than_the_stale_time_is_taken_over()
    {
        File.WriteAllText(LockPath, "12345:some-other-host\n");
        File.SetLastWriteTimeUtc(LockPath, DateTime.UtcNow.AddMinutes(-3));
        using var taken = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2));
        Assert.NotNull(taken);
    }

    [Fact]
    public void Fresh_lock_of_another_host_is_respected()
    {
        File.WriteAllText(LockPath, "12345:some-other-host\n");
        Assert.Null(DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Fresh_lock_of_a_dead_process_on_this_host_is_taken_over()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        File.WriteAllText(LockPath, $"{process.Id}:{Environment.MachineName}\n");
        using var taken = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2));
        Assert.NotNull(taken);
    }

    [Fact]
    public async Task Acquire_waits_for_the_holder_and_times_out_when_it_never_releases()
    {
        var holder = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2))!;
        await Assert.ThrowsAsync<TimeoutException>(() => DotLock.AcquireAsync(LockPath, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(200)));
        var waiting = DotLock.AcquireAsync(LockPath, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        holder.Dispose();
        using var acquired = await waiting;
        Assert.True(File.Exists(LockPath));
    }

    [Fact]
    public void Releasing_a_lock_that_was_taken_over_does_not_remove_the_new_holders_lock()
    {
        var old = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2))!;
        File.SetLastWriteTimeUtc(LockPath, DateTime.UtcNow.AddMinutes(-10));
        using var newer = DotLock.TryAcquire(LockPath, TimeSpan.FromMinutes(2));
        Assert.NotNull(newer);
        old.Dispose();
        Assert.True(File.Exists(LockPath));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
