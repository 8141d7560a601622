using System.Collections.Concurrent;

namespace Kinesis.Client.Tests.Coordination;

/// <summary>Counts the Kinesis requests going out per operation (the X-Amz-Target after the dot), e.g. to count shard sync passes by their ListShards.</summary>
internal sealed class TargetCountingHandler : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);

    public TargetCountingHandler()
        : base(new SocketsHttpHandler())
    {
    }

    public int Count(string operation) => counts.GetValueOrDefault(operation);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
        counts.AddOrUpdate(target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..], 1, (_, n) => n + 1);
        return base.SendAsync(request, cancellationToken);
    }
}
