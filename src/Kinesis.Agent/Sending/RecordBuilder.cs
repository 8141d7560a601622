using System.Globalization;
using System.Security.Cryptography;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Processing;

namespace Kinesis.Agent.Sending;

/// <summary>Turns a line into the record the Java agent would send: processing options applied, partition key chosen.</summary>
internal sealed class RecordBuilder
{
    private readonly FlowConfiguration flow;
    private readonly DataConverterChain chain;

    public RecordBuilder(FlowConfiguration flow, TimeProvider time)
    {
        this.flow = flow;
        chain = new DataConverterChain(flow.DataProcessingOptions, time);
    }

    /// <summary>
    /// The record's data after the processing options, or null when an option filtered it out. When an option fails,
    /// the line unconverted and <paramref name="error"/> (the Java agent sends the raw data too).
    /// </summary>
    public byte[]? Process(byte[] line, out Exception? error)
    {
        if (chain.IsEmpty)
        {
            error = null;
            return line;
        }

        return chain.Convert(line, out error);
    }

    public string PartitionKey(byte[] data) => flow.PartitionKeyOption == PartitionKeyOption.Deterministic
        ? Convert.ToHexString(MD5.HashData(data)).ToLowerInvariant()
        : (Random.Shared.NextDouble() * 1_000_000).ToString(CultureInfo.InvariantCulture);
}
