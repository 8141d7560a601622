namespace Kinesis.Agent.Configuration;

/// <summary>How a record's partition key is chosen (<c>partitionKeyOption</c>).</summary>
public enum PartitionKeyOption
{
    /// <summary><c>RANDOM</c>, the default: a random number, spreading records over every shard.</summary>
    Random,

    /// <summary><c>DETERMINISTIC</c>: the hexadecimal MD5 of the record's data, as the Java agent computes it.</summary>
    Deterministic,
}
