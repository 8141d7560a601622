using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// Listens, in process, to the runtime's own events while a scenario runs (<c>producer-e2e --runtime-events</c>): every
/// method the JIT compiles (with its optimisation tier) and the GC's allocation samples (one per ~100 KB, with the type
/// that crossed the mark). Prints which methods were compiled at which tier, grouped by namespace, how long the JIT took
/// per assembly, which collections ran and why, and which types the allocations were. A diagnostic: listening costs CPU
/// of its own, so the figures of such a run are not comparable.
/// </summary>
internal sealed class RuntimeEventSummary : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const int MethodLoadVerbose = 143;
    private const int MethodJittingStarted = 145;
    private const int AllocationTick = 10;
    private const int GcStart = 1;

    // The JIT's optimisation tier in MethodFlags bits 7 to 9 (the runtime's JitOptimizationTier).
    private static readonly string[] Tiers = ["unknown", "minopts", "optimized", "tier0", "tier1", "tier1-OSR", "tier0-instrumented", "tier1-instrumented"];

    // GCStart's Reason and Type (the runtime's gc_reason and gc_type), as a reader wants them.
    private static readonly string[] GcReasons = ["small alloc", "induced", "low memory", "empty", "large alloc", "out of space (SOH)", "out of space (UOH)", "induced not forced", "internal tuning", "induced low memory", "induced compacting", "low memory host", "PM full GC", "low memory host blocking", "BGC tuning"];
    private static readonly string[] GcTypes = ["blocking", "background", "foreground during background"];

    private readonly object gate = new();
    private readonly List<(string Tier, string Method, double Milliseconds)> compiled = [];
    private readonly HashSet<ulong> compiledCode = [];
    private readonly Dictionary<long, DateTime> jitStarts = [];
    private readonly List<string> collections = [];
    private readonly Dictionary<string, long> allocations = new(StringComparer.Ordinal);
    private volatile bool recording;
    private DateTime startedAt;

    /// <summary>Starts recording (events before this call are ignored).</summary>
    public void Start()
    {
        lock (gate)
        {
            compiled.Clear();
            compiledCode.Clear();
            jitStarts.Clear();
            collections.Clear();
            allocations.Clear();
            startedAt = DateTime.UtcNow;
        }

        recording = true;
    }

    /// <summary>Stops recording and returns the summary.</summary>
    public string Stop(long records)
    {
        recording = false;
        lock (gate)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"    JIT: {compiled.Count} methods compiled; by tier: {string.Join(", ", compiled.GroupBy(c => c.Tier).Select(g => $"{g.Key} {g.Count()}"))}; by tier and namespace (top 25):");
            foreach (var group in compiled.GroupBy(c => (c.Tier, Namespace: NamespaceOf(c.Method))).OrderByDescending(g => g.Count()).Take(25))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {group.Count(),5}  {group.Key.Tier,-18} {group.Key.Namespace}");
            }

            // Wall time from each method's jitting-started event to its load on the same thread: a thread preempted while
            // compiling counts, so on a loaded machine it is more than the JIT's CPU. Read the shares, not the sum.
            text.AppendLine(CultureInfo.InvariantCulture, $"    JIT time (started to loaded, per method): {compiled.Sum(c => c.Milliseconds):F0} ms; by namespace's first two parts (near enough the assembly), top 12:");
            foreach (var group in compiled.GroupBy(c => AssemblyOf(c.Method)).OrderByDescending(g => g.Sum(c => c.Milliseconds)).Take(12))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {group.Sum(c => c.Milliseconds),7:F1} ms {group.Count(),5} methods  {group.Key}");
            }

            text.AppendLine("    JIT: methods of Kinesis.* compiled (tier, ms, method):");
            foreach (var (tier, method, ms) in compiled.Where(c => c.Method.StartsWith("Kinesis.", StringComparison.Ordinal)).OrderBy(c => c.Method, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {tier,-18} {ms,6:F2} {method}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"    GCs (generation, reason, type): {(collections.Count == 0 ? "none" : string.Join("; ", collections))}");

            var sampled = allocations.Values.Sum();
            text.AppendLine(CultureInfo.InvariantCulture, $"    Allocations sampled (~{(double)sampled / records:N0} B per user record), by type (top 20):");
            foreach (var (type, bytes) in allocations.OrderByDescending(a => a.Value).Take(20))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {(double)bytes / records,8:N1} B/record  {type}");
            }

            return text.ToString();
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword | JitKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // Events are handed over late: one raised before Start (the runner's induced collection) is not the scenario's.
        if (!recording || eventData.Payload is null || eventData.TimeStamp.ToUniversalTime() < startedAt)
        {
            return;
        }

        if (eventData.EventId == MethodJittingStarted)
        {
            lock (gate)
            {
                jitStarts[eventData.OSThreadId] = eventData.TimeStamp;
            }
        }
        else if (eventData.EventId == MethodLoadVerbose)
        {
            var flags = Convert.ToInt64(Get(eventData, "MethodFlags") ?? 0L, CultureInfo.InvariantCulture);
            var tier = (int)((flags >> 7) & 0x7);
            var method = $"{Get(eventData, "MethodNamespace")}.{Get(eventData, "MethodName")}";
            var code = Convert.ToUInt64(Get(eventData, "MethodStartAddress") ?? 0UL, CultureInfo.InvariantCulture);
            lock (gate)
            {
                var ms = jitStarts.Remove(eventData.OSThreadId, out var started) ? (eventData.TimeStamp - started).TotalMilliseconds : 0;

                // The listener can be handed one load twice; its code address tells.
                if (code == 0 || compiledCode.Add(code))
                {
                    compiled.Add((tier < Tiers.Length ? Tiers[tier] : tier.ToString(CultureInfo.InvariantCulture), method, ms));
                }
            }
        }
        else if (eventData.EventId == GcStart)
        {
            var depth = Get(eventData, "Depth");
            var reason = Convert.ToInt32(Get(eventData, "Reason") ?? -1, CultureInfo.InvariantCulture);
            var type = Convert.ToInt32(Get(eventData, "Type") ?? -1, CultureInfo.InvariantCulture);
            lock (gate)
            {
                collections.Add($"gen{depth} {(reason >= 0 && reason < GcReasons.Length ? GcReasons[reason] : reason.ToString(CultureInfo.InvariantCulture))} {(type >= 0 && type < GcTypes.Length ? GcTypes[type] : type.ToString(CultureInfo.InvariantCulture))}");
            }
        }
        else if (eventData.EventId == AllocationTick)
        {
            var type = Get(eventData, "TypeName") as string ?? "?";
            var amount = Convert.ToInt64(Get(eventData, "AllocationAmount64") ?? Get(eventData, "AllocationAmount") ?? 0L, CultureInfo.InvariantCulture);
            lock (gate)
            {
                allocations[type] = allocations.GetValueOrDefault(type) + amount;
            }
        }
    }

    private static object? Get(EventWrittenEventArgs e, string name)
    {
        var index = e.PayloadNames?.IndexOf(name) ?? -1;
        return index >= 0 ? e.Payload![index] : null;
    }

    /// <summary>The first two parts of a method's namespace (Kinesis.Core, System.Net, Amazon.Runtime).</summary>
    private static string AssemblyOf(string method)
    {
        var parts = method.Split('.', 3);
        return parts.Length > 2 ? $"{parts[0]}.{parts[1]}" : parts[0];
    }

    /// <summary>The namespace of a method's type, or the type itself for generic instantiations (what a reader groups by).</summary>
    private static string NamespaceOf(string method)
    {
        var bracket = method.IndexOf('[', StringComparison.Ordinal);
        var head = bracket >= 0 ? method[..bracket] : method;
        var parts = head.Split('.');
        return parts.Length > 3 ? string.Join('.', parts.Take(3)) : head;
    }
}
