using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Kinesis.Benchmarks.LoadRunner;

/// <summary>
/// Listens, in process, to the runtime's own events while a scenario runs (<c>producer-e2e --runtime-events</c>): every
/// method the JIT compiles (with its optimisation tier) and the GC's allocation samples (one per ~100 KB, with the type
/// that crossed the mark). Prints which methods were compiled at which tier, grouped by namespace, and which types the
/// allocations were. A diagnostic: listening costs CPU of its own, so the figures of such a run are not comparable.
/// </summary>
internal sealed class RuntimeEventSummary : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const int MethodLoadVerbose = 143;
    private const int AllocationTick = 10;

    // The JIT's optimisation tier in MethodFlags bits 7 to 9 (the runtime's JitOptimizationTier).
    private static readonly string[] Tiers = ["unknown", "minopts", "optimized", "tier0", "tier1", "tier1-OSR", "tier0-instrumented", "tier1-instrumented"];

    private readonly object gate = new();
    private readonly List<(string Tier, string Method)> compiled = [];
    private readonly Dictionary<string, long> allocations = new(StringComparer.Ordinal);
    private volatile bool recording;

    /// <summary>Starts recording (events before this call are ignored).</summary>
    public void Start()
    {
        lock (gate)
        {
            compiled.Clear();
            allocations.Clear();
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

            text.AppendLine("    JIT: methods of Kinesis.* compiled (tier, method):");
            foreach (var (tier, method) in compiled.Where(c => c.Method.StartsWith("Kinesis.", StringComparison.Ordinal)).OrderBy(c => c.Method, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"      {tier,-18} {method}");
            }

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
        if (!recording || eventData.Payload is null)
        {
            return;
        }

        if (eventData.EventId == MethodLoadVerbose)
        {
            var flags = Convert.ToInt64(Get(eventData, "MethodFlags") ?? 0L, CultureInfo.InvariantCulture);
            var tier = (int)((flags >> 7) & 0x7);
            var method = $"{Get(eventData, "MethodNamespace")}.{Get(eventData, "MethodName")}";
            lock (gate)
            {
                compiled.Add((tier < Tiers.Length ? Tiers[tier] : tier.ToString(CultureInfo.InvariantCulture), method));
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

    /// <summary>The namespace of a method's type, or the type itself for generic instantiations (what a reader groups by).</summary>
    private static string NamespaceOf(string method)
    {
        var bracket = method.IndexOf('[', StringComparison.Ordinal);
        var head = bracket >= 0 ? method[..bracket] : method;
        var parts = head.Split('.');
        return parts.Length > 3 ? string.Join('.', parts.Take(3)) : head;
    }
}
