using Microsoft.Extensions.Logging;

namespace Kinesis.Client.Lifecycle;

/// <summary>The consumer's log events about <see cref="ShardConsumerEnd"/> (in the 3000–3099 range of <see cref="Diagnostics.ConsumerLog"/>).</summary>
internal static partial class ShardConsumerLog
{
    [LoggerMessage(EventId = 3029, Level = LogLevel.Information, Message = "Shard consumer {ShardId} ended: {End}.")]
    public static partial void ShardConsumerEnded(ILogger logger, string shardId, ShardConsumerEnd end);
}
