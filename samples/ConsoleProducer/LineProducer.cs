using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kinesis.Producer;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.ConsoleProducer;

/// <summary>
/// Reads stdin line by line and puts each line as a user record. A line that cannot be a record (too large, a bad
/// key) is rejected with its line number and the rest of the input is still put; a record that fails is counted by
/// cause and reported once per cause. Ctrl+C or SIGTERM stops reading, also while it waits for input, and what was
/// read is still put and confirmed.
/// </summary>
internal sealed class LineProducer
{
    private const string MissingStreamCode = "ResourceNotFoundException";

    // Awaiting in batches keeps memory flat for any input size while the producer keeps batching in the background.
    private const int PendingBatch = 10_000;

    // Read by people and scripts, not embedded in HTML: escape only what JSON requires (no \u0027 for a quote).
    private static readonly JsonSerializerOptions SummaryJson = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ProducerSettings settings;
    private readonly ToolConsole console;
    private readonly TextWriter? rejects;
    private readonly List<(long Line, string Text, Task<UserRecordResult> Put)> pending = new(PendingBatch);

    // Failures by cause, in the order first seen: a missing stream or a closed port fails every record the same way,
    // and is reported once, not once per line.
    private readonly Dictionary<(string? Code, string? Message), long> errors = [];
    private readonly List<(string? Code, string? Message)> errorOrder = [];
    private long read;
    private long put;
    private long rejected;
    private long failed;
    private long skipped;
    private long missingStream;

    private LineProducer(ProducerSettings settings, ToolConsole console, TextWriter? rejects)
    {
        this.settings = settings;
        this.console = console;
        this.rejects = rejects;
    }

    /// <summary>Runs the tool; returns its exit code.</summary>
    public static async Task<int> RunAsync(ProducerSettings settings, ToolConsole console, CancellationToken stopping)
    {
        var credentials = ToolCredentials.Resolve(console.Tool, Console.Error, out var error, settings.Endpoint);
        if (credentials is null)
        {
            return console.Fail(ExitCodes.CouldNotStart, error ?? ToolCredentials.MissingHint);
        }

        StreamWriter? rejects = null;
        if (settings.RejectsFile is { } path)
        {
            try
            {
                rejects = new StreamWriter(path, append: false, new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return console.Fail(ExitCodes.CouldNotStart, $"cannot write --rejects {path}: {ex.Message}");
            }
        }

        await using (rejects)
        {
            KinesisProducer producer;
            try
            {
                producer = new KinesisProducer(new KinesisProducerOptions
                {
                    Region = settings.Region,
                    ServiceUrl = settings.Endpoint,

                    // The user typed the http:// URL (an emulator on another host, say); the library alone refuses it.
                    AllowInsecureHttp = settings.Endpoint?.Scheme == Uri.UriSchemeHttp,
                    Credentials = credentials,
                    AggregationEnabled = settings.Aggregation,
                    RecordTtl = settings.RecordTtl,
                    Ordering = settings.Ordering,
                });
            }
            catch (ArgumentException ex)
            {
                return console.Fail(ExitCodes.Usage, ToolCommandLine.OneLine(ex.Message));
            }

            var run = new LineProducer(settings, console, rejects);
            return await run.RunAsync(producer, stopping).ConfigureAwait(false);
        }
    }

    private async Task<int> RunAsync(KinesisProducer producer, CancellationToken stopping)
    {
        bool interrupted;
        await using (producer.ConfigureAwait(false))
        {
            using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
            interrupted = await ReadAndPutAsync(producer, input, stopping).ConfigureAwait(false);

            // Lines already read are sent and confirmed even after Ctrl+C; RecordTtl bounds the wait.
            await producer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await DrainAsync().ConfigureAwait(false);
        }

        if (rejects is not null)
        {
            await rejects.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (interrupted)
        {
            console.Say($"interrupted: stopped reading stdin after line {read}; the lines read were still sent, and the summary counts them.");
        }

        var nothingPutStreamMissing = put == 0 && failed > 0 && missingStream == failed;
        if (nothingPutStreamMissing)
        {
            console.Say($"nothing was put: stream '{settings.Stream}' does not exist.");
        }

        var errorCounts = errorOrder.Select(cause => new ErrorCount($"{cause.Code}: {cause.Message}", errors[cause])).ToList();
        var summary = new ProducerSummary(read, put, rejected, failed, skipped, interrupted, errorCounts);
        await Console.Error.WriteLineAsync(JsonSerializer.Serialize(summary, SummaryJson)).ConfigureAwait(false);
        return interrupted ? ExitCodes.Interrupted
            : nothingPutStreamMissing ? ExitCodes.CouldNotStart
            : rejected + failed > 0 ? ExitCodes.Failed
            : ExitCodes.Ok;
    }

    /// <summary>Reads and puts lines until the end of input (returns false) or until stopped (returns true).</summary>
    private async Task<bool> ReadAndPutAsync(KinesisProducer producer, StreamReader input, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested && await ReadLineAsync(input, stopping).ConfigureAwait(false) is { } line)
            {
                read++;
                if (line.Length == 0)
                {
                    skipped++;
                    continue;
                }

                var (key, data) = Split(line, settings.KeySeparator);
                Task<UserRecordResult> task;
                try
                {
                    // No cancellation token: a line that was read is sent and confirmed even after Ctrl+C.
                    task = producer.PutAsync(settings.Stream, key, Encoding.UTF8.GetBytes(data));
                }
                catch (ArgumentException ex)
                {
                    // Too large, or a key over the limit: this line cannot be a record; the next one may.
                    rejected++;
                    console.Say($"line {read} rejected: {Reason(ex)}");
                    await RejectAsync(line).ConfigureAwait(false);
                    continue;
                }

                pending.Add((read, line, task));
                if (pending.Count == PendingBatch)
                {
                    await DrainAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM while waiting for input.
        }

        return stopping.IsCancellationRequested;
    }

    // Reading the console does not observe a cancellation token once the read is under way (it blocks in read(2)), so
    // a pending read is abandoned on Ctrl+C; nothing reads the input afterwards.
    private static async ValueTask<string?> ReadLineAsync(StreamReader input, CancellationToken stopping)
    {
        var line = input.ReadLineAsync(stopping);
        return line.IsCompleted ? await line.ConfigureAwait(false) : await line.AsTask().WaitAsync(stopping).ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        foreach (var (line, text, task) in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
                put++;
            }
            catch (UserRecordFailedException ex)
            {
                await FailAsync(line, text, (ex.Cause?.ErrorCode, ex.Cause?.ErrorMessage), ex.Message).ConfigureAwait(false);
            }
            catch (KinesisProducerException ex)
            {
                await FailAsync(line, text, (ex.GetType().Name, ex.Message), ex.Message).ConfigureAwait(false);
            }
        }

        pending.Clear();
    }

    private async Task FailAsync(long line, string text, (string? Code, string? Message) cause, string message)
    {
        failed++;
        if (cause.Code == MissingStreamCode)
        {
            missingStream++;
        }

        await RejectAsync(text).ConfigureAwait(false);
        if (errors.TryGetValue(cause, out var count))
        {
            errors[cause] = count + 1;
            return;
        }

        errors[cause] = 1;
        errorOrder.Add(cause);
        console.Say($"record failed: {ToolCommandLine.OneLine(message)} (line {line}; further records failing with this error are counted in the summary, not printed)");
    }

    private async Task RejectAsync(string line)
    {
        if (rejects is not null)
        {
            await rejects.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    // ArgumentException appends " (Parameter 'data')" to the message; the message alone names the limit.
    private static string Reason(ArgumentException ex)
    {
        var suffix = ex.ParamName is null ? null : $" (Parameter '{ex.ParamName}')";
        var message = suffix is not null && ex.Message.EndsWith(suffix, StringComparison.Ordinal) ? ex.Message[..^suffix.Length] : ex.Message;
        return ToolCommandLine.OneLine(message);
    }

    private static (string Key, string Data) Split(string line, string? separator)
    {
        var at = separator is null ? -1 : line.IndexOf(separator, StringComparison.Ordinal);
        if (at > 0)
        {
            return (line[..at], line[(at + separator!.Length)..]);
        }

        // A stable key per distinct line spreads lines over shards like random keys would, but repeatably.
        return (Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(line)), 0, 8), line);
    }
}
