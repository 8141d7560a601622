using Kinesis.Core.Api;

namespace Kinesis.Client;

/// <summary>
/// How the consumer names one stream in its Kinesis calls: by name, or by ARN (which is how cross-account access through a
/// resource policy works). Exactly one of <see cref="Name"/> and <see cref="Arn"/> goes into a request.
/// </summary>
internal sealed class StreamAddress
{
    private StreamAddress(string streamName, string? arn, string? region, string? accountId)
    {
        StreamName = streamName;
        Arn = arn;
        Region = region;
        AccountId = accountId;
    }

    /// <summary>The name to send, or <see langword="null"/> when the stream is addressed by <see cref="Arn"/>.</summary>
    public string? Name => Arn is null ? StreamName : null;

    /// <summary>The ARN to send, or <see langword="null"/> when the stream is addressed by name.</summary>
    public string? Arn { get; }

    /// <summary>The stream's name (taken from the ARN when addressed by ARN): the stream dimension of metrics and logs.</summary>
    public string StreamName { get; }

    /// <summary>The ARN's region; <see langword="null"/> when addressed by name.</summary>
    public string? Region { get; }

    /// <summary>The ARN's account id; <see langword="null"/> when addressed by name.</summary>
    public string? AccountId { get; }

    /// <summary>What log lines and messages call the stream: the ARN when given, otherwise the name.</summary>
    public override string ToString() => Arn ?? StreamName;

    public static StreamAddress ForName(string streamName) => new(streamName, null, null, null);

    /// <summary>Parses <c>arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME</c> (Kinesis.Core's <see cref="Core.Api.StreamArn"/>); <see langword="false"/> when it is not a stream ARN.</summary>
    public static bool TryParseArn(string? arn, out StreamAddress address)
    {
        if (!Core.Api.StreamArn.TryParse(arn, out var parsed))
        {
            address = null!;
            return false;
        }

        address = new StreamAddress(parsed.StreamName, parsed.Value, parsed.Region, parsed.AccountId);
        return true;
    }

    /// <summary>
    /// Checks a configured stream ARN: a stream ARN, in <paramref name="region"/> (requests are signed for, and sent to, the
    /// configured region, and the service refuses an ARN of another one).
    /// </summary>
    /// <exception cref="ArgumentException">Not a stream ARN, or of another region; the message names <paramref name="option"/>.</exception>
    public static void CheckConfiguredArn(string arn, string? region, string option, string paramName)
    {
        if (!TryParseArn(arn, out var address))
        {
            throw new ArgumentException($"{option} '{arn}' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).", paramName);
        }

        if (region is not null && !string.Equals(address.Region, region, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{option} is in region '{address.Region}' but Kinesis.Region is '{region}'; they must agree.", paramName);
        }
    }

    /// <summary>A DescribeStreamSummary request for this stream.</summary>
    public DescribeStreamSummaryRequest DescribeRequest() => new() { StreamName = Name, StreamARN = Arn };

    /// <summary>A ListShards request (first page) for this stream.</summary>
    public ListShardsRequest ListShardsRequest() => new() { StreamName = Name, StreamARN = Arn };
}
