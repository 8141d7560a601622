namespace Kinesis.Testing;

/// <summary>Time boxes for tests (milliseconds, for <c>[Fact(Timeout = ...)]</c>), generous for a slow 2-core machine.</summary>
public static class TestTimeouts
{
    /// <summary>A unit test that does real I/O on loopback.</summary>
    public const int Unit = 30_000;

    /// <summary>An integration test against the local emulators.</summary>
    public const int Integration = 120_000;

    /// <summary>A long integration test (failover, resharding).</summary>
    public const int LongIntegration = 300_000;
}
