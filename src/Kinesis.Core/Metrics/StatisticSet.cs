namespace Kinesis.Core.Metrics;

/// <summary>CloudWatch's statistic set: the interval's sample count, sum, minimum and maximum.</summary>
internal readonly record struct StatisticSet(long SampleCount, double Sum, double Minimum, double Maximum);
