namespace Kinesis.Core.Metrics;

/// <summary>Count, sum, minimum and maximum of a group of samples, accumulated without allocating.</summary>
internal struct RunningStatistics
{
    public long Count;
    public double Sum;
    public double Minimum;
    public double Maximum;

    public void Add(double value)
    {
        if (Count == 0)
        {
            Minimum = value;
            Maximum = value;
        }
        else
        {
            Minimum = Math.Min(Minimum, value);
            Maximum = Math.Max(Maximum, value);
        }

        Count++;
        Sum += value;
    }

    public readonly StatisticSet ToStatisticSet() => new(Count, Sum, Minimum, Maximum);
}
