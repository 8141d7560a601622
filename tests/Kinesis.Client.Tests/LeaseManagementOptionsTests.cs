namespace Kinesis.Client.Tests;

public sealed class LeaseManagementOptionsTests
{
    [Fact]
    public void Defaults_MatchKcl2()
    {
        var options = new LeaseManagementOptions();

        Assert.Equal(TimeSpan.FromSeconds(10), options.FailoverTime);
        Assert.Equal(TimeSpan.FromMilliseconds(25), options.Epsilon);
        Assert.Equal(TimeSpan.FromSeconds(10) / 3 - TimeSpan.FromMilliseconds(25), options.RenewalInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(20_050), options.TakerInterval);
        Assert.Equal(int.MaxValue, options.MaxLeasesForWorker);
        Assert.Equal(1, options.MaxLeasesToStealAtOneTime);
        Assert.True(options.EnablePriorityLeaseAssignment);
        Assert.Equal(3, options.VeryOldLeaseMultiplier);
        Assert.Equal(20, options.MaxConcurrentRenewals);
        Assert.Equal(100, options.MaxWatchedLeases);
        Assert.Equal(LeaseTableBillingMode.PayPerRequest, options.BillingMode);
        Assert.Equal(10, options.ReadCapacityUnits);
        Assert.Equal(10, options.WriteCapacityUnits);
        Assert.Equal(TimeSpan.FromSeconds(600), options.TableActiveTimeout);
        Assert.Equal(LeaseManagementOptions.DefaultTableActivePollInterval, options.TableActivePollInterval);
        Assert.Equal(LeaseManagementOptions.DefaultMaxRetryAttempts, options.MaxRetryAttempts);
        options.Validate();
    }

    [Fact]
    public void DerivedIntervals_FollowFailoverTimeUntilSet()
    {
        var options = new LeaseManagementOptions { FailoverTime = TimeSpan.FromSeconds(30) };
        Assert.Equal(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(25), options.RenewalInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(60_050), options.TakerInterval);

        options.RenewalInterval = TimeSpan.FromSeconds(1);
        options.FailoverTime = TimeSpan.FromSeconds(20);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RenewalInterval);

        options.RenewalInterval = null;
        Assert.Equal(TimeSpan.FromSeconds(20) / 3 - TimeSpan.FromMilliseconds(25), options.RenewalInterval);
    }

    [Fact]
    public void Setters_OutOfRange_ThrowNamingTheOption()
    {
        var options = new LeaseManagementOptions();

        Assert.Equal(nameof(options.FailoverTime), Assert.Throws<ArgumentOutOfRangeException>(() => options.FailoverTime = TimeSpan.FromMilliseconds(5)).ParamName);
        Assert.Equal(nameof(options.MaxLeasesForWorker), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxLeasesForWorker = 0).ParamName);
        Assert.Equal(nameof(options.MaxLeasesToStealAtOneTime), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxLeasesToStealAtOneTime = 0).ParamName);
        Assert.Equal(nameof(options.MaxWatchedLeases), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxWatchedLeases = -1).ParamName);
        Assert.Equal(nameof(options.MaxWatchedLeases), Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxWatchedLeases = 10_001).ParamName);
        Assert.Equal(nameof(options.ReadCapacityUnits), Assert.Throws<ArgumentOutOfRangeException>(() => options.ReadCapacityUnits = 0).ParamName);
        Assert.Equal(nameof(options.BillingMode), Assert.Throws<ArgumentOutOfRangeException>(() => options.BillingMode = (LeaseTableBillingMode)7).ParamName);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetryAttempts = 101);
        Assert.Contains("between 0 and 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RenewalNotBelowFailover_Throws()
    {
        var options = new LeaseManagementOptions { RenewalInterval = TimeSpan.FromSeconds(10) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(options.RenewalInterval), error.ParamName);
    }
}
