using System.CommandLine;
using Kinesis.Core.Api;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>
/// Runs one sub-command: resolves region, endpoint and credentials, creates the client, and turns every failure into
/// one line on stderr and an exit code (0 ok, 1 failed, 2 usage, 3 could not start, 130 interrupted).
/// </summary>
internal sealed class AdminRunner(ToolConsole console, TextWriter output)
{
    /// <summary>
    /// Control-plane calls answer in milliseconds; a black-holed endpoint should fail in seconds, not after the
    /// client's default request timeout.
    /// </summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public async Task<int> RunAsync(ParseResult parse, CommonOptions common, string command, string? stream, Func<StreamCommands, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var endpoint = parse.GetValue(common.Endpoint);
        var region = ToolOptions.ResolveRegion(parse.GetValue(common.Region), endpoint);
        if (region is null)
        {
            return console.Fail(ExitCodes.Usage, "--region is required (or set AWS_REGION) unless --kinesis-endpoint is a local address");
        }

        var credentials = ToolCredentials.Resolve(console.Tool, Console.Error, out var credentialsError, endpoint);
        if (credentials is null)
        {
            return console.Fail(ExitCodes.CouldNotStart, credentialsError ?? ToolCredentials.MissingHint);
        }

        KinesisApiClient client;
        try
        {
            client = new KinesisApiClient(new KinesisApiClientOptions
            {
                Region = region,
                ServiceUrl = endpoint,
                Credentials = credentials,
                RequestTimeout = RequestTimeout,
            });
        }
        catch (ArgumentException ex)
        {
            return console.Fail(ExitCodes.Usage, StreamCommands.OneLine(ex.Message));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, console.Stopping);
        await using (client.ConfigureAwait(false))
        {
            // Emulators answer at once; AWS counts DescribeStreamSummary against a per-account rate.
            var pollInterval = client.Endpoint.IsLoopback ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1);
            var commands = new StreamCommands(client, new StreamReport(output, parse.GetValue(common.Json)), pollInterval);
            try
            {
                await body(commands, stop.Token).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (console.Interrupted)
            {
                return console.Fail(ExitCodes.Interrupted, commands.ChangeRequested
                    ? $"interrupted while waiting; the {command} was accepted and still takes effect (see '{console.Tool} describe --stream {stream}')"
                    : "interrupted");
            }
            catch (AdminFailure ex)
            {
                return console.Fail(ex.ExitCode, ex.Message);
            }
            catch (KinesisApiException ex)
            {
                var failure = AdminErrors.Explain(ex, command, stream, client.Endpoint);
                return console.Fail(failure.ExitCode, failure.Message);
            }
            catch (ArgumentException ex)
            {
                return console.Fail(ExitCodes.Usage, StreamCommands.OneLine(ex.Message));
            }
        }
    }
}
