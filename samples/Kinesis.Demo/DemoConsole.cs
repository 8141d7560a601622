namespace Kinesis.Demo;

/// <summary>
/// The demo's only way to the console. Once <see cref="Interrupt"/> has written its line nothing else is written,
/// so a half-finished run can neither print a report nor mix a progress bar into the last line.
/// </summary>
internal sealed class DemoConsole
{
    private readonly Lock gate = new();
    private bool closed;
    private bool partialLine;

    /// <summary>True when stdout goes to a file or a pipe: progress is then written as whole lines, never redrawn with '\r'.</summary>
    public static bool IsRedirected => Console.IsOutputRedirected;

    public void WriteLine(string line = "")
    {
        lock (gate)
        {
            if (!closed)
            {
                EndPartialLine();
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>Redraws the current line in place (terminals only).</summary>
    public void Redraw(string line)
    {
        lock (gate)
        {
            if (!closed)
            {
                Console.Write($"\r{line}");
                partialLine = true;
            }
        }
    }

    /// <summary>Writes <paramref name="line"/> as the last line of the run; every later write is dropped.</summary>
    public void Interrupt(string line)
    {
        lock (gate)
        {
            if (!closed)
            {
                EndPartialLine();
                Console.WriteLine(line);
                closed = true;
            }
        }
    }

    private void EndPartialLine()
    {
        if (partialLine)
        {
            Console.WriteLine();
            partialLine = false;
        }
    }
}
