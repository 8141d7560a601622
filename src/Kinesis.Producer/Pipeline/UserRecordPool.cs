using System.Collections.Concurrent;

namespace Kinesis.Producer.Pipeline;

/// <summary>
/// Reuses <see cref="UserRecord"/> objects, so a record in flight costs no allocation besides its task. Records come
/// back in groups (the user records of one acknowledged Kinesis record, already completed and cleared) and go out one
/// at a time from a group the renting thread keeps to itself, so neither side contends per record. At most
/// <c>capacity</c> records wait in the pool; records that failed are not returned (they are rare, and their tasks may
/// still be running continuations).
/// </summary>
internal sealed class UserRecordPool
{
    [ThreadStatic]
    private static UserRecordPool? localOwner;

    [ThreadStatic]
    private static UserRecord[]? localGroup;

    [ThreadStatic]
    private static int localNext;

    private readonly ConcurrentQueue<UserRecord[]> groups = new();
    private readonly int capacity;
    private int pooled;

    public UserRecordPool(int capacity) => this.capacity = capacity;

    /// <summary>Records waiting in the shared queue (not counting those a thread has taken for itself).</summary>
    public int Pooled => Volatile.Read(ref pooled);

    public UserRecord Rent()
    {
        if (ReferenceEquals(localOwner, this) && localGroup is { } group)
        {
            var record = group[localNext];
            if (++localNext == group.Length)
            {
                localGroup = null;
            }

            return record;
        }

        if (groups.TryDequeue(out group))
        {
            Interlocked.Add(ref pooled, -group.Length);
            localOwner = this;
            localGroup = group.Length > 1 ? group : null;
            localNext = 1;
            return group[0];
        }

        return new UserRecord();
    }

    /// <summary>Whether <paramref name="count"/> more records fit (a soft bound: concurrent returns may pass it slightly).</summary>
    public bool HasRoomFor(int count) => Volatile.Read(ref pooled) + count <= capacity;

    /// <summary>
    /// Takes back completed records the caller has already cleared (<see cref="UserRecord.Clear"/>, in its own pass over
    /// them), after <see cref="HasRoomFor"/>; the array becomes the pool's and must not be used by the caller again.
    /// </summary>
    public void ReturnCleared(UserRecord[] records)
    {
        Interlocked.Add(ref pooled, records.Length);
        groups.Enqueue(records);
    }
}
