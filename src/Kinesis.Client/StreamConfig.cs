namespace Kinesis.Client;

/// <summary>
/// One stream of a multi-stream consumer (<see cref="MultiStreamOptions"/>), the Java KCL's <c>StreamConfig</c>: the stream by
/// name or by ARN, and where its new shards start. Its <see cref="StreamIdentifier"/> (account, name, creation epoch) comes from
/// DescribeStreamSummary, or from <see cref="StreamArn"/> and <see cref="CreationEpoch"/> when both are given.
/// </summary>
public sealed class StreamConfig
{
    /// <summary>The stream's name (a stream of the consumer's own account). Exactly one of <see cref="StreamName"/> and <see cref="StreamArn"/> is required.</summary>
    public string? StreamName { get; set; }

    /// <summary>The stream's ARN, in <see cref="Core.Api.KinesisApiClientOptions.Region"/>; every call for this stream then names it by ARN (cross-account reads through a resource policy).</summary>
    public string? StreamArn { get; set; }

    /// <summary>
    /// With <see cref="StreamArn"/>: the stream's creation time in seconds since the Unix epoch, as in its lease keys; the stream is
    /// then not described to learn it (the Java KCL's <c>StreamIdentifier.multiStreamInstance(arn, epoch)</c>). Default
    /// <see langword="null"/>: taken from DescribeStreamSummary's StreamCreationTimestamp.
    /// </summary>
    public long? CreationEpoch { get; set; }

    /// <summary>Where this stream's shards without a lease start; default <see langword="null"/>: <see cref="KinesisConsumerOptions.InitialPosition"/>.</summary>
    public InitialPositionInStream? InitialPosition { get; set; }

    /// <summary>The timestamp for <see cref="InitialPositionInStream.AtTimestamp"/>; default <see langword="null"/>: <see cref="KinesisConsumerOptions.InitialPositionTimestamp"/>.</summary>
    public DateTimeOffset? InitialPositionTimestamp { get; set; }

    /// <summary>What log lines and messages call the stream: the ARN when given, otherwise the name.</summary>
    /// <returns>The ARN or the name.</returns>
    public override string ToString() => StreamArn ?? StreamName ?? "(no stream)";

    /// <summary>Checks one entry; <paramref name="name"/> names it in messages.</summary>
    internal void Validate(string? region, string name)
    {
        if ((StreamName is null) == (StreamArn is null))
        {
            throw new ArgumentException($"{name}: set exactly one of {nameof(StreamName)} and {nameof(StreamArn)}.", name);
        }

        if (StreamName is not null && (string.IsNullOrWhiteSpace(StreamName) || StreamName.Length > Core.Api.KinesisLimits.MaxStreamNameLength))
        {
            throw new ArgumentException($"{name}.{nameof(StreamName)} must be 1 to {Core.Api.KinesisLimits.MaxStreamNameLength} characters.", name);
        }

        if (StreamArn is not null)
        {
            StreamAddress.CheckConfiguredArn(StreamArn, region, $"{name}.{nameof(StreamArn)}", name);
        }

        if (CreationEpoch is { } epoch && (epoch <= 0 || StreamArn is null))
        {
            throw new ArgumentException($"{name}.{nameof(CreationEpoch)} must be greater than 0 and goes with {nameof(StreamArn)} (the account comes from the ARN).", name);
        }

        if (InitialPosition is { } position)
        {
            OptionRange.CheckDefined(position, $"{name}.{nameof(InitialPosition)}");
        }
    }

    /// <summary>How the consumer names the stream in its calls.</summary>
    internal StreamAddress Address() => StreamArn is not null && StreamAddress.TryParseArn(StreamArn, out var address)
        ? address
        : StreamAddress.ForName(StreamName ?? throw new InvalidOperationException("A validated stream config names its stream."));

    internal StreamConfig Clone() => (StreamConfig)MemberwiseClone();
}
