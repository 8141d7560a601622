using Kinesis.Producer;
using Microsoft.Win32.SafeHandles;

namespace Kinesis.Agent.Tailing;

/// <summary>
/// One file a flow follows: where it is, who it is (identity and fingerprint), how far it was read, how far its records
/// are acknowledged, and the open handle that lets it be finished after a rename or a delete.
/// </summary>
internal sealed class TrackedFile : IDisposable
{
    // A record filtered out by processing: nothing to wait for, but its end offset is reached only in file order.
    private static readonly Task<UserRecordResult> NotSent = Task.FromResult(default(UserRecordResult));

    private readonly Queue<(long EndOffset, int Bytes, Task<UserRecordResult> Sent)> unacknowledged = new();

    public TrackedFile(string path, FileIdentity? identity, Fingerprint fingerprint, long offset, LineSplitter splitter)
    {
        Path = path;
        Identity = identity;
        Fingerprint = fingerprint;
        ReadOffset = offset;
        AcknowledgedOffset = offset;
        Splitter = splitter;
    }

    /// <summary>When <see cref="AcknowledgedOffset"/> last moved (from the checkpoint on restore), for <c>checkpointTimeToLiveDays</c>.</summary>
    public DateTimeOffset? CheckpointUpdated { get; set; }

    /// <summary>The <see cref="AcknowledgedOffset"/> that <see cref="CheckpointUpdated"/> is the time of.</summary>
    public long CheckpointUpdatedOffset { get; set; } = -1;

    /// <summary>Where the file was last seen.</summary>
    public string Path { get; set; }

    public FileIdentity? Identity { get; set; }

    public Fingerprint Fingerprint { get; set; }

    /// <summary>Bytes read from the file (lines sent plus a partial line in <see cref="Splitter"/>).</summary>
    public long ReadOffset { get; set; }

    /// <summary>The offset up to which every record is acknowledged (or failed for good and reported): the checkpoint.</summary>
    public long AcknowledgedOffset { get; private set; }

    public LineSplitter Splitter { get; set; }

    public SafeFileHandle? Handle { get; set; }

    /// <summary>Lines read and not yet handed to the producer (kept across a failed poll, so none is lost or misattributed).</summary>
    public List<LineRecord> Lines { get; } = [];

    /// <summary>Whether the last poll saw the file under the flow's pattern.</summary>
    public bool Present { get; set; }

    /// <summary>When the partial line last grew (a timestamp of the flow's time provider).</summary>
    public long PartialSince { get; set; }

    /// <summary>Records sent and not yet resolved.</summary>
    public int Unacknowledged => unacknowledged.Count;

    /// <summary>Bytes of the records counted by <see cref="Unacknowledged"/>.</summary>
    public long UnacknowledgedBytes { get; private set; }

    /// <summary>The oldest record still in flight, if any.</summary>
    public Task? Oldest => unacknowledged.TryPeek(out var head) ? head.Sent : null;

    /// <summary>The tasks of the records in flight.</summary>
    public IEnumerable<Task> InFlight() => unacknowledged.Select(u => (Task)u.Sent);

    public void Sent(long endOffset, int bytes, Task<UserRecordResult> sent)
    {
        unacknowledged.Enqueue((endOffset, bytes, sent));
        UnacknowledgedBytes += bytes;
    }

    /// <summary>A record filtered out by processing: the checkpoint passes it once the records before it are acknowledged.</summary>
    public void Skipped(long endOffset) => unacknowledged.Enqueue((endOffset, 0, NotSent));

    /// <summary>
    /// Advances <see cref="AcknowledgedOffset"/> over resolved records in file order; stops at the first one still in
    /// flight. Each failed record is handed to <paramref name="onFailed"/> (to log and count), then passed over; each
    /// acknowledged one's data bytes to <paramref name="onSent"/>.
    /// </summary>
    public bool Advance(Action<TrackedFile, long, Exception> onFailed, Action<int> onSent)
    {
        var moved = false;
        while (unacknowledged.TryPeek(out var head) && head.Sent.IsCompleted)
        {
            var failure = head.Sent.IsCompletedSuccessfully ? null : head.Sent.Exception?.InnerException ?? new TaskCanceledException();

            // A record the producer gave back at shutdown was not sent: the checkpoint stays before it, so the next
            // run sends it again. Only a record that failed for good is passed over.
            if (failure is OperationCanceledException or UserRecordFailedException { ErrorCode: ProducerErrorCodes.Shutdown })
            {
                break;
            }

            unacknowledged.Dequeue();
            UnacknowledgedBytes -= head.Bytes;
            if (failure is not null)
            {
                onFailed(this, head.EndOffset, failure);
            }
            else if (!ReferenceEquals(head.Sent, NotSent))
            {
                onSent(head.Bytes);
            }

            AcknowledgedOffset = head.EndOffset;
            moved = true;
        }

        return moved;
    }

    /// <summary>Whether a record matching the flow's <c>fileFooterPattern</c> was read: the rest of the file is not sent.</summary>
    public bool FooterReached { get; set; }

    /// <summary>The file's content was replaced (truncated): start again at offset 0; records of the old content are no longer tracked.</summary>
    public void Restart(Fingerprint fingerprint, LineSplitter splitter)
    {
        unacknowledged.Clear();
        Lines.Clear();
        UnacknowledgedBytes = 0;
        Fingerprint = fingerprint;
        ReadOffset = 0;
        AcknowledgedOffset = 0;
        Splitter = splitter;
        FooterReached = false;
    }

    public void Dispose() => Handle?.Dispose();
}
