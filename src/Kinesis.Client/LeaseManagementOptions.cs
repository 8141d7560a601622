using System.Diagnostics.CodeAnalysis;

namespace Kinesis.Client;

/// <summary>
/// Lease table and lease balancing settings, with the Java KCL 2.x defaults. Setters reject out-of-range
/// values with an <see cref="ArgumentOutOfRangeException"/> naming the option and the allowed range;
/// <see cref="Validate"/> checks the rules that involve several options.
/// </summary>
public sealed class LeaseManagementOptions
{
    /// <summary>The default <see cref="FailoverTime"/>: 10 s, as in the KCL.</summary>
    public static readonly TimeSpan DefaultFailoverTime = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="Epsilon"/>: 25 ms, as in the KCL.</summary>
    public static readonly TimeSpan DefaultEpsilon = TimeSpan.FromMilliseconds(25);

    /// <summary>The smallest allowed <see cref="FailoverTime"/>: 100 ms.</summary>
    public static readonly TimeSpan MinFailoverTime = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest allowed <see cref="FailoverTime"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxFailoverTime = TimeSpan.FromHours(1);

    /// <summary>The default <see cref="MaxLeasesForWorker"/>: no limit.</summary>
    public const int DefaultMaxLeasesForWorker = int.MaxValue;

    /// <summary>The default <see cref="MaxLeasesToStealAtOneTime"/>, as in the KCL.</summary>
    public const int DefaultMaxLeasesToStealAtOneTime = 1;

    /// <summary>The default <see cref="EnablePriorityLeaseAssignment"/>, as in the KCL since 2.6.0.</summary>
    public const bool DefaultEnablePriorityLeaseAssignment = true;

    /// <summary>The default <see cref="VeryOldLeaseMultiplier"/>, as in the KCL.</summary>
    public const int DefaultVeryOldLeaseMultiplier = 3;

    /// <summary>The default <see cref="MaxConcurrentRenewals"/>, as the KCL's <c>maxLeaseRenewalThreads</c>.</summary>
    public const int DefaultMaxConcurrentRenewals = 20;

    /// <summary>The default <see cref="MaxWatchedLeases"/>: 100 (with the default failover time, one consistent <c>BatchGetItem</c> of up to 100 keys a second per worker).</summary>
    public const int DefaultMaxWatchedLeases = 100;

    /// <summary>The default <see cref="BillingMode"/>, as in the KCL since 2.3.7.</summary>
    public const LeaseTableBillingMode DefaultBillingMode = LeaseTableBillingMode.PayPerRequest;

    /// <summary>The default <see cref="ReadCapacityUnits"/> and <see cref="WriteCapacityUnits"/>, as in the KCL.</summary>
    public const long DefaultCapacityUnits = 10;

    /// <summary>The default <see cref="TableActiveTimeout"/>: 600 s, as in the KCL.</summary>
    public static readonly TimeSpan DefaultTableActiveTimeout = TimeSpan.FromSeconds(600);

    /// <summary>The default <see cref="TableActivePollInterval"/>: 1 s (the KCL polls every 10 s; DescribeTable is cheap and a new application starts sooner).</summary>
    public static readonly TimeSpan DefaultTableActivePollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="RetryBaseDelay"/> for throttled or failed lease table calls: 50 ms.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>The default <see cref="RetryMaxDelay"/> for throttled or failed lease table calls: 1 s.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="MaxRetryAttempts"/> for throttled or failed lease table calls.</summary>
    public const int DefaultMaxRetryAttempts = 3;

    private TimeSpan failoverTime = DefaultFailoverTime;
    private TimeSpan epsilon = DefaultEpsilon;
    private TimeSpan? renewalInterval;
    private TimeSpan? takerInterval;
    private int maxLeasesForWorker = DefaultMaxLeasesForWorker;
    private int maxLeasesToStealAtOneTime = DefaultMaxLeasesToStealAtOneTime;
    private int veryOldLeaseMultiplier = DefaultVeryOldLeaseMultiplier;
    private int maxConcurrentRenewals = DefaultMaxConcurrentRenewals;
    private int maxWatchedLeases = DefaultMaxWatchedLeases;
    private LeaseTableBillingMode billingMode = DefaultBillingMode;
    private long readCapacityUnits = DefaultCapacityUnits;
    private long writeCapacityUnits = DefaultCapacityUnits;
    private TimeSpan tableActiveTimeout = DefaultTableActiveTimeout;
    private TimeSpan tableActivePollInterval = DefaultTableActivePollInterval;
    private TimeSpan retryBaseDelay = DefaultRetryBaseDelay;
    private TimeSpan retryMaxDelay = DefaultRetryMaxDelay;
    private int maxRetryAttempts = DefaultMaxRetryAttempts;

    /// <summary>
    /// How long a lease stays valid without a successful renewal. A worker stops processing a shard whose lease it
    /// could not renew within this time; other workers take a lease whose counter has not moved for this time.
    /// Default <see cref="DefaultFailoverTime"/>; allowed range [<see cref="MinFailoverTime"/>, <see cref="MaxFailoverTime"/>].
    /// </summary>
    public TimeSpan FailoverTime
    {
        get => failoverTime;
        set => failoverTime = OptionRange.Check(value, MinFailoverTime, MaxFailoverTime, nameof(FailoverTime));
    }

    /// <summary>Scheduling slack subtracted from the renewal interval and added to the taker interval. Default <see cref="DefaultEpsilon"/>; allowed range [0, 1 s].</summary>
    public TimeSpan Epsilon
    {
        get => epsilon;
        set => epsilon = OptionRange.Check(value, TimeSpan.Zero, TimeSpan.FromSeconds(1), nameof(Epsilon));
    }

    /// <summary>
    /// How often held leases are renewed. Default (when unset or set to <see langword="null"/>):
    /// <see cref="FailoverTime"/> / 3 − <see cref="Epsilon"/> (3,308 ms with the defaults), as in the KCL.
    /// Allowed range (0, <see cref="MaxFailoverTime"/>]; <see cref="Validate"/> also requires it to be below <see cref="FailoverTime"/>.
    /// </summary>
    [NotNull]
    public TimeSpan? RenewalInterval
    {
        get => renewalInterval ?? (failoverTime / 3) - epsilon;
        set => renewalInterval = value is { } v ? OptionRange.Check(v, TimeSpan.FromTicks(1), MaxFailoverTime, nameof(RenewalInterval)) : null;
    }

    /// <summary>
    /// The pause between two runs of the lease taker. Default (when unset or set to <see langword="null"/>):
    /// (<see cref="FailoverTime"/> + <see cref="Epsilon"/>) × 2 (20,050 ms with the defaults), as in the KCL.
    /// Allowed range (0, 2 × <see cref="MaxFailoverTime"/>].
    /// </summary>
    [NotNull]
    public TimeSpan? TakerInterval
    {
        get => takerInterval ?? (failoverTime + epsilon) * 2;
        set => takerInterval = value is { } v ? OptionRange.Check(v, TimeSpan.FromTicks(1), MaxFailoverTime * 2, nameof(TakerInterval)) : null;
    }

    /// <summary>The most leases this worker holds at once, even when that leaves shards unprocessed. Default <see cref="DefaultMaxLeasesForWorker"/>; allowed range [1, <see cref="int.MaxValue"/>].</summary>
    public int MaxLeasesForWorker
    {
        get => maxLeasesForWorker;
        set => maxLeasesForWorker = OptionRange.CheckAtLeast(value, 1, nameof(MaxLeasesForWorker));
    }

    /// <summary>The most leases stolen from the most loaded worker in one taker run. Default <see cref="DefaultMaxLeasesToStealAtOneTime"/>; allowed range [1, <see cref="int.MaxValue"/>].</summary>
    public int MaxLeasesToStealAtOneTime
    {
        get => maxLeasesToStealAtOneTime;
        set => maxLeasesToStealAtOneTime = OptionRange.CheckAtLeast(value, 1, nameof(MaxLeasesToStealAtOneTime));
    }

    /// <summary>
    /// Whether leases unowned or not renewed for <see cref="VeryOldLeaseMultiplier"/> × <see cref="FailoverTime"/> are
    /// taken first, ignoring the balance target (up to <see cref="MaxLeasesForWorker"/>), as the KCL does since 2.6.0.
    /// Default <see cref="DefaultEnablePriorityLeaseAssignment"/>.
    /// </summary>
    public bool EnablePriorityLeaseAssignment { get; set; } = DefaultEnablePriorityLeaseAssignment;

    /// <summary>How many failover times without renewal make a lease "very old". Default <see cref="DefaultVeryOldLeaseMultiplier"/>; allowed range [1, 1000].</summary>
    public int VeryOldLeaseMultiplier
    {
        get => veryOldLeaseMultiplier;
        set => veryOldLeaseMultiplier = OptionRange.Check(value, 1, 1000, nameof(VeryOldLeaseMultiplier));
    }

    /// <summary>How many renewals run at once in one renewal round. Default <see cref="DefaultMaxConcurrentRenewals"/>; allowed range [1, 1000].</summary>
    public int MaxConcurrentRenewals
    {
        get => maxConcurrentRenewals;
        set => maxConcurrentRenewals = OptionRange.Check(value, 1, 1000, nameof(MaxConcurrentRenewals));
    }

    /// <summary>
    /// How many leases of other workers this worker re-reads (consistent <c>BatchGetItem</c>s of up to 100 keys, no scan) every
    /// <see cref="FailoverTime"/> / 10 between taker runs, so that a dead worker's leases are taken about
    /// <see cref="FailoverTime"/> + 1 s after its last renewal instead of up to <see cref="FailoverTime"/> +
    /// <see cref="TakerInterval"/> later (the Java KCL notices an expiry only at its next taker run). The expiry rule is
    /// the KCL's: a lease's counter unchanged for <see cref="FailoverTime"/> as seen by this worker's reads. With more
    /// leases of other workers, a random subset is chosen at each taker run (the others fail over at taker runs).
    /// 0 turns the re-reads off (the KCL's behaviour). Default <see cref="DefaultMaxWatchedLeases"/>; allowed range [0, 10,000].
    /// </summary>
    public int MaxWatchedLeases
    {
        get => maxWatchedLeases;
        set => maxWatchedLeases = OptionRange.Check(value, 0, 10_000, nameof(MaxWatchedLeases));
    }

    /// <summary>The billing mode of a lease table this library creates (an existing table is used as it is). Default <see cref="DefaultBillingMode"/>.</summary>
    public LeaseTableBillingMode BillingMode
    {
        get => billingMode;
        set => billingMode = OptionRange.CheckDefined(value, nameof(BillingMode));
    }

    /// <summary>Read capacity of a created table in <see cref="LeaseTableBillingMode.Provisioned"/> mode. Default <see cref="DefaultCapacityUnits"/>; allowed range [1, 40,000].</summary>
    public long ReadCapacityUnits
    {
        get => readCapacityUnits;
        set => readCapacityUnits = OptionRange.Check(value, 1, 40_000, nameof(ReadCapacityUnits));
    }

    /// <summary>Write capacity of a created table in <see cref="LeaseTableBillingMode.Provisioned"/> mode. Default <see cref="DefaultCapacityUnits"/>; allowed range [1, 40,000].</summary>
    public long WriteCapacityUnits
    {
        get => writeCapacityUnits;
        set => writeCapacityUnits = OptionRange.Check(value, 1, 40_000, nameof(WriteCapacityUnits));
    }

    /// <summary>How long start-up waits for the lease table to become ACTIVE. Default <see cref="DefaultTableActiveTimeout"/>; allowed range [1 s, 1 hour].</summary>
    public TimeSpan TableActiveTimeout
    {
        get => tableActiveTimeout;
        set => tableActiveTimeout = OptionRange.Check(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), nameof(TableActiveTimeout));
    }

    /// <summary>How often start-up checks whether the lease table is ACTIVE. Default <see cref="DefaultTableActivePollInterval"/>; allowed range [10 ms, 1 min].</summary>
    public TimeSpan TableActivePollInterval
    {
        get => tableActivePollInterval;
        set => tableActivePollInterval = OptionRange.Check(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), nameof(TableActivePollInterval));
    }

    /// <summary>The first retry's delay bound for a throttled or failed lease table call (full jitter). Default <see cref="DefaultRetryBaseDelay"/>; allowed range [1 ms, 10 s].</summary>
    public TimeSpan RetryBaseDelay
    {
        get => retryBaseDelay;
        set => retryBaseDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), nameof(RetryBaseDelay));
    }

    /// <summary>The cap on a retry's delay bound for a throttled or failed lease table call. Default <see cref="DefaultRetryMaxDelay"/>; allowed range [1 ms, 1 min].</summary>
    public TimeSpan RetryMaxDelay
    {
        get => retryMaxDelay;
        set => retryMaxDelay = OptionRange.Check(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), nameof(RetryMaxDelay));
    }

    /// <summary>
    /// How often a throttled or failed lease table call is retried by this library (on top of the AWS SDK's own
    /// retries). A renewal is in any case abandoned when the lease's failover time runs out. Default
    /// <see cref="DefaultMaxRetryAttempts"/>; allowed range [0, 100].
    /// </summary>
    public int MaxRetryAttempts
    {
        get => maxRetryAttempts;
        set => maxRetryAttempts = OptionRange.Check(value, 0, 100, nameof(MaxRetryAttempts));
    }

    /// <summary>Checks the rules that involve several options.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="RenewalInterval"/> is not below <see cref="FailoverTime"/>, or <see cref="RetryMaxDelay"/> is below <see cref="RetryBaseDelay"/>.</exception>
    public void Validate()
    {
        if (RenewalInterval >= FailoverTime)
        {
            throw new ArgumentOutOfRangeException(nameof(RenewalInterval), RenewalInterval, $"{nameof(RenewalInterval)} must be less than {nameof(FailoverTime)} ({FailoverTime}).");
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryMaxDelay), RetryMaxDelay, $"{nameof(RetryMaxDelay)} must be at least {nameof(RetryBaseDelay)} ({RetryBaseDelay}).");
        }
    }

    /// <summary>A copy for a consumer to keep (every setting is a value).</summary>
    internal LeaseManagementOptions Clone() => (LeaseManagementOptions)MemberwiseClone();
}
