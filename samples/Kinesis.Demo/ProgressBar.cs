namespace Kinesis.Demo;

/// <summary>One console line showing produced and consumed counts; redrawn in place.</summary>
internal sealed class ProgressBar(int total)
{
    private const int Width = 30;

    public void Draw(int produced, int consumed) =>
        Console.Write($"\r  produced [{Bar(produced)}] {produced,7:N0}   consumed [{Bar(consumed)}] {consumed,7:N0}/{total:N0}");

    private string Bar(int done)
    {
        var filled = (int)((double)Math.Min(done, total) / total * Width);
        return new string('#', filled) + new string('.', Width - filled);
    }
}
