using BenchmarkDotNet.Running;
using Kinesis.Benchmarks.LoadRunner;

namespace Kinesis.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release --project benchmarks/Kinesis.Benchmarks -- --filter '*'</c> runs the
/// BenchmarkDotNet hot-path benchmarks; <c>-- producer-e2e</c> runs the end-to-end producer comparison
/// against a local kinesalite; <c>-- producer-inproc</c> runs the in-process producer pipeline and reports CPU time per record; <c>-- load</c> runs the produce-and-consume load runner (see docs/load-runner.md); <c>-- consumer-cost</c> measures what a consumer costs per record and when idle (see docs/load-runner.md); <c>-- api-cost</c> measures the CPU and allocations of single GetRecords and lease-renewal calls (see docs/worker-cost.md); <c>-- per-key-lanes</c> compares ParallelizationFactor values on one shard with a slow processor (see docs/load-runner.md); <c>-- lease-sim</c> simulates lease balancing of a large fleet (see docs/lease-simulation.md).
/// </summary>
public static class Program
{
    /// <summary>Runs what the command line chooses.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "producer-e2e")
        {
            return await ProducerComparison.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "producer-inproc")
        {
            return await Producer.InProcessProducerRun.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "lease-sim")
        {
            return await Leases.LeaseSimCommand.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "consumer-cost")
        {
            return await ConsumerCostCommand.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "per-key-lanes")
        {
            return await PerKeyLanesCommand.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "api-cost")
        {
            return await ApiCallCostCommand.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length > 0 && args[0] == "load")
        {
            return await LoadCommand.RunAsync(args[1..]).ConfigureAwait(false);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
