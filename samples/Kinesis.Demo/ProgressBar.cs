namespace Kinesis.Demo;

/// <summary>
/// Acknowledged (by Kinesis, to the producer) and consumed (delivered to a processor) user records. On a terminal
/// one line redrawn in place; when stdout is redirected, a plain line at most every <see cref="PlainLineInterval"/>.
/// </summary>
internal sealed class ProgressBar(DemoConsole console, int total, TimeProvider time)
{
    public static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(2);

    private const int Width = 30;
    private readonly bool plain = DemoConsole.IsRedirected;
    private long lastPlainLine = long.MinValue;
    private (int Acknowledged, int Consumed) lastPlainCounts = (-1, -1);

    /// <param name="final">Writes the counts even when a plain line was written a moment ago.</param>
    public void Draw(int acknowledged, int consumed, bool final = false)
    {
        if (!plain)
        {
            console.Redraw($"  acknowledged [{Bar(acknowledged)}] {acknowledged,7:N0}   consumed [{Bar(consumed)}] {consumed,7:N0}/{total:N0}");
            return;
        }

        var now = time.GetTimestamp();
        var due = lastPlainLine == long.MinValue || time.GetElapsedTime(lastPlainLine, now) >= PlainLineInterval;
        if ((due || final) && (acknowledged, consumed) != lastPlainCounts)
        {
            console.WriteLine($"  progress: {acknowledged:N0}/{total:N0} acknowledged, {consumed:N0}/{total:N0} consumed");
            lastPlainLine = now;
            lastPlainCounts = (acknowledged, consumed);
        }
    }

    private string Bar(int done)
    {
        var filled = (int)((double)Math.Min(done, total) / total * Width);
        return new string('#', filled) + new string('.', Width - filled);
    }
}
