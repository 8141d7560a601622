using System.Runtime.CompilerServices;

namespace Kinesis.Core.Aggregation;

/// <summary>
/// A deduplicated key table of an aggregate (partition keys or explicit hash keys): keys in order of
/// first appearance, their encoded lengths, and the bytes the table takes in the protobuf message.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class KeyTable<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _indices;
    private readonly List<TKey> _keys = [];
    private readonly List<int> _encodedLengths = [];

    public KeyTable(IEqualityComparer<TKey>? comparer = null)
    {
        _indices = new Dictionary<TKey, int>(comparer);
    }

    /// <summary>The number of distinct keys.</summary>
    public int Count => _keys.Count;

    /// <summary>The bytes the table's repeated field takes in the message (tag, length and payload per key).</summary>
    public int EncodedSize { get; private set; }

    public TKey this[int index] => _keys[index];

    public int EncodedLengthAt(int index) => _encodedLengths[index];

    public bool TryGetIndex(TKey key, out int index) => _indices.TryGetValue(key, out index);

    /// <summary>
    /// Finds <paramref name="key"/>, or reserves the next index for it in one lookup (hashing the key once). A reserved
    /// key must then be kept with <see cref="AddReserved"/> or dropped with <see cref="CancelReserved"/>, before anything else.
    /// </summary>
    /// <returns><see langword="true"/> when the key was already in the table.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool FindOrReserve(TKey key, out int index)
    {
        ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_indices, key, out bool exists);
        if (!exists)
        {
            slot = _keys.Count;
        }

        index = slot;
        return exists;
    }

    /// <summary>Keeps the key reserved by <see cref="FindOrReserve"/>, with the length of its encoded form.</summary>
    public void AddReserved(TKey key, int encodedLength)
    {
        _keys.Add(key);
        _encodedLengths.Add(encodedLength);
        EncodedSize += ProtobufWire.LengthDelimitedFieldLength(encodedLength);
    }

    /// <summary>Drops the key reserved by <see cref="FindOrReserve"/> (its record was refused).</summary>
    public void CancelReserved(TKey key) => _indices.Remove(key);

    /// <summary>Adds a key known to be absent, with the length of its UTF-8 form.</summary>
    /// <returns>Its index.</returns>
    public int Add(TKey key, int encodedLength)
    {
        int index = _keys.Count;
        _indices.Add(key, index);
        AddReserved(key, encodedLength);
        return index;
    }

    /// <summary>Empties the table, keeping its capacity for the next aggregate.</summary>
    public void Clear()
    {
        _indices.Clear();
        _keys.Clear();
        _encodedLengths.Clear();
        EncodedSize = 0;
    }
}
