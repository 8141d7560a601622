using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kinesis.Core.Api;
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
    private readonly Stream? rejects;
    private readonly byte[]? separator;
    private readonly List<(long Line, string? Key, byte[] Data, Task<UserRecordResult> Put)> pending = new(PendingBatch);

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

    private LineProducer(ProducerSettings settings, ToolConsole console, Stream? rejects)
    {
        this.settings = settings;
        this.console = console;
        this.rejects = rejects;
        separator = settings.KeySeparator is { } text ? Encoding.UTF8.GetBytes(text) : null;
    }

    /// <summary>Runs the tool; returns its exit code.</summary>
    public static async Task<int> RunAsync(ProducerSettings settings, ToolConsole console, CancellationToken stopping)
    {
        var credentials = ToolCredentials.Resolve(console.Tool, Console.Error, out var error, settings.Endpoint);
        if (credentials is null)
        {
            return console.Fail(ExitCodes.CouldNotStart, error ?? ToolCredentials.MissingHint);
        }

        FileStream? rejects = null;
        if (settings.RejectsFile is { } path)
        {
            try
            {
                rejects = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
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
            try
            {
                return await run.RunAsync(producer, stopping).ConfigureAwait(false);
            }
            catch (ArgumentException ex) when (ex.ParamName == "stream")
            {
                // --stream is an ARN the producer refuses (another region than --region, not a stream's): no line can be put.
                return console.Fail(ExitCodes.Usage, ToolCommandLine.OneLine(ex.Message));
            }
        }
    }

    private async Task<int> RunAsync(KinesisProducer producer, CancellationToken stopping)
    {
        bool interrupted;
        await using (producer.ConfigureAwait(false))
        {
            // A line longer than a record can be (with the separator between key and data) is never held whole.
            var reader = new LineReader(Console.OpenStandardInput(), KinesisLimits.MaxRecordSize + (separator?.Length ?? 0));
            interrupted = await ReadAndPutAsync(producer, reader, stopping).ConfigureAwait(false);

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
    private async Task<bool> ReadAndPutAsync(KinesisProducer producer, LineReader reader, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested && await reader.ReadAsync(rejects, stopping).ConfigureAwait(false) is { } line)
            {
                read++;
                if (line.TooLong)
                {
                    // Already copied to the rejects file by the reader, which did not keep it.
                    rejected++;
                    console.Say($"line {read} rejected: A record (data plus partition key UTF-8 bytes) is at most {KinesisLimits.MaxRecordSize} bytes (1 MiB); the line has {line.Length} bytes.");
                    continue;
                }

                if (line.Length == 0)
                {
                    skipped++;
                    continue;
                }

                var (key, data) = Split(line.Bytes.Span);
                Task<UserRecordResult> task;
                try
                {
                    // No cancellation token: a line that was read is sent and confirmed even after Ctrl+C.
                    task = producer.PutAsync(settings.Stream, key ?? DerivedKey(data), data);
                }
                catch (ArgumentException ex) when (ex.ParamName != "stream")
                {
                    // Too large, or a key over the limit: this line cannot be a record; the next one may.
                    rejected++;
                    console.Say($"line {read} rejected: {Reason(ex)}");
                    await RejectAsync(line.Bytes).ConfigureAwait(false);
                    continue;
                }

                pending.Add((read, key, data, task));
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

    private async Task DrainAsync()
    {
        foreach (var (line, key, data, task) in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
                put++;
            }
            catch (UserRecordFailedException ex)
            {
                await FailAsync(line, key, data, (ex.Cause?.ErrorCode, ex.Cause?.ErrorMessage), ex.Message).ConfigureAwait(false);
            }
            catch (KinesisProducerException ex)
            {
                await FailAsync(line, key, data, (ex.GetType().Name, ex.Message), ex.Message).ConfigureAwait(false);
            }
        }

        pending.Clear();
    }

    private async Task FailAsync(long line, string? key, byte[] data, (string? Code, string? Message) cause, string message)
    {
        failed++;
        if (cause.Code == MissingStreamCode)
        {
            missingStream++;
        }

        // The line as it was read: the key and the separator, if the line had them, then the data.
        await RejectAsync(key is null ? data : [.. Encoding.UTF8.GetBytes(key), .. separator!, .. data]).ConfigureAwait(false);
        if (errors.TryGetValue(cause, out var count))
        {
            errors[cause] = count + 1;
            return;
        }

        errors[cause] = 1;
        errorOrder.Add(cause);
        console.Say($"record failed: {ToolCommandLine.OneLine(message)} (line {line}; further records failing with this error are counted in the summary, not printed)");
    }

    private async Task RejectAsync(ReadOnlyMemory<byte> line)
    {
        if (rejects is not null)
        {
            await rejects.WriteAsync(line).ConfigureAwait(false);
            rejects.WriteByte((byte)'\n');
        }
    }

    // ArgumentException appends " (Parameter 'data')" to the message; the message alone names the limit.
    private static string Reason(ArgumentException ex)
    {
        var suffix = ex.ParamName is null ? null : $" (Parameter '{ex.ParamName}')";
        var message = suffix is not null && ex.Message.EndsWith(suffix, StringComparison.Ordinal) ? ex.Message[..^suffix.Length] : ex.Message;
        return ToolCommandLine.OneLine(message);
    }

    /// <summary>The key (null when the line has none) and a copy of the data, which the producer holds until it is put.</summary>
    private (string? Key, byte[] Data) Split(ReadOnlySpan<byte> line)
    {
        var at = separator is null ? -1 : line.IndexOf(separator);
        return at > 0 ? (Encoding.UTF8.GetString(line[..at]), line[(at + separator!.Length)..].ToArray()) : (null, line.ToArray());
    }

    // A stable key per distinct line spreads lines over shards like random keys would, but repeatably.
    private static string DerivedKey(byte[] line) => Convert.ToHexString(MD5.HashData(line), 0, 8);
}
