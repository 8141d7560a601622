using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Kinesis.LocalServices;

/// <summary>
/// One running local emulator: a Node.js process bound to 127.0.0.1 on a free port. Disposing it kills
/// the process tree. Emulators also stop when the launching process ends: on a normal exit, Ctrl+C or
/// SIGTERM the launcher kills them, and after a hard kill the preload script notices that its parent
/// is gone and exits within about a second.
/// </summary>
public sealed class LocalServiceProcess : IAsyncDisposable
{
    private const int MaxStartAttempts = 3;
    private const string ListeningMarker = "@@local-aws listening ";
    private const int OutputLines = 200;

    private static readonly ConcurrentDictionary<int, Process> LiveProcesses = new();
    private static readonly object HookGate = new();
    private static bool hooksInstalled;
    private static PosixSignalRegistration? sigint;
    private static PosixSignalRegistration? sigterm;

    private readonly Process process;
    private readonly ConcurrentQueue<string> output;
    private readonly ConcurrentDictionary<int, bool> boundPorts;
    private int disposed;

    private LocalServiceProcess(LocalServiceKind kind, Uri endpoint, Process process, ConcurrentQueue<string> output, ConcurrentDictionary<int, bool> boundPorts)
    {
        Kind = kind;
        Endpoint = endpoint;
        this.process = process;
        this.output = output;
        this.boundPorts = boundPorts;
    }

    /// <summary>Which emulator this is.</summary>
    public LocalServiceKind Kind { get; }

    /// <summary>The plain-HTTP endpoint, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The operating-system id of the Node.js process.</summary>
    public int ProcessId => process.Id;

    /// <summary>Whether the process is still running.</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return !process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    /// <summary>The last lines the emulator printed, for diagnostics.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, output);

    /// <summary>
    /// Installs the npm packages if needed, starts <paramref name="kind"/> on a free loopback port and
    /// waits until it answers HTTP requests.
    /// </summary>
    public static Task<LocalServiceProcess> StartAsync(LocalServiceKind kind, CancellationToken cancellationToken = default) =>
        StartAsync(kind, Environment.ProcessId, cancellationToken);

    /// <summary>
    /// Starts an emulator that watches <paramref name="parentProcessId"/> instead of this process, on ports
    /// from <paramref name="pickPort"/> (tests of the watchdog and of port clashes).
    /// </summary>
    internal static async Task<LocalServiceProcess> StartAsync(LocalServiceKind kind, int parentProcessId, CancellationToken cancellationToken, Func<int>? pickPort = null)
    {
        pickPort ??= FreePort;
        var packageDirectory = NodePackages.FindPackageDirectory();
        await NodePackages.EnsureInstalledAsync(packageDirectory, cancellationToken).ConfigureAwait(false);
        InstallExitHooks();

        LocalServicesException? last = null;
        for (var attempt = 1; attempt <= MaxStartAttempts; attempt++)
        {
            try
            {
                return await StartOnceAsync(kind, packageDirectory, parentProcessId, pickPort, cancellationToken).ConfigureAwait(false);
            }
            catch (LocalServicesException ex)
            {
                // Usually another process took the port between choosing it and binding it.
                last = ex;
            }
        }

        throw last!;
    }

    private static async Task<LocalServiceProcess> StartOnceAsync(LocalServiceKind kind, string packageDirectory, int parentProcessId, Func<int> pickPort, CancellationToken cancellationToken)
    {
        var port = pickPort();
        var entryPoint = NodePackages.EntryPoint(packageDirectory, kind);
        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(entryPoint)!,
        };
        startInfo.ArgumentList.Add("-r");
        startInfo.ArgumentList.Add(Path.Combine(packageDirectory, "preload.cjs"));
        startInfo.ArgumentList.Add(entryPoint);
        startInfo.Environment["LOCAL_AWS_PARENT_PID"] = parentProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (kind)
        {
            case LocalServiceKind.KinesisLocal:
                startInfo.Environment["KINESIS_MOCK_PLAIN_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                startInfo.Environment["KINESIS_MOCK_TLS_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
                startInfo.Environment["KINESIS_MOCK_CERT_PATH"] = Path.Combine(Path.GetDirectoryName(entryPoint)!, "server.json");
                startInfo.Environment["SHARD_LIMIT"] = "10000";
                startInfo.Environment["ON_DEMAND_STREAM_COUNT_LIMIT"] = "1000";
                startInfo.Environment["LOG_LEVEL"] = "WARN";
                foreach (var variable in new[]
                         {
                             "CREATE_STREAM_DURATION", "DELETE_STREAM_DURATION", "REGISTER_STREAM_CONSUMER_DURATION",
                             "DEREGISTER_STREAM_CONSUMER_DURATION", "MERGE_SHARDS_DURATION", "SPLIT_SHARD_DURATION",
                             "UPDATE_SHARD_COUNT_DURATION", "UPDATE_STREAM_MODE_DURATION",
                             "START_STREAM_ENCRYPTION_DURATION", "STOP_STREAM_ENCRYPTION_DURATION",
                         })
                {
                    startInfo.Environment[variable] = "50ms";
                }

                break;
            case LocalServiceKind.Kinesalite:
                AddArguments(startInfo, "--port", port, "--shardLimit", 10000, "--createStreamMs", 50, "--deleteStreamMs", 50, "--updateStreamMs", 50);
                break;
            case LocalServiceKind.Dynalite:
                AddArguments(startInfo, "--host", "127.0.0.1", "--port", port, "--createTableMs", 50, "--deleteTableMs", 50, "--updateTableMs", 50);
                break;
        }

        var output = new ConcurrentQueue<string>();
        var boundPorts = new ConcurrentDictionary<int, bool>();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.StartsWith(ListeningMarker, StringComparison.Ordinal)
                && int.TryParse(e.Data.AsSpan(ListeningMarker.Length), System.Globalization.CultureInfo.InvariantCulture, out var bound))
            {
                boundPorts[bound] = true;
                return;
            }

            output.Enqueue(e.Data);
            while (output.Count > OutputLines && output.TryDequeue(out string? _))
            {
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        if (!process.Start())
        {
            throw new LocalServicesException($"Could not start node for {kind}.");
        }

        LiveProcesses[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new LocalServiceProcess(kind, new Uri($"http://127.0.0.1:{port}/"), process, output, boundPorts);
        try
        {
            await service.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            return service;
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the emulator and its children and waits until they are gone. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        LiveProcesses.TryRemove(process.Id, out _);
        Kill(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Reported by IsRunning; nothing else can be done about a process that ignores SIGKILL.
        }

        process.Dispose();
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsRunning)
            {
                throw new LocalServicesException($"{Kind} exited during start-up with code {process.ExitCode}:{Environment.NewLine}{RecentOutput}");
            }

            if (RecentOutput.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                throw new LocalServicesException($"{Kind} could not bind {Endpoint}: the port is taken.");
            }

            // Only our own emulator counts: another process may have taken the port we picked before the
            // emulator bound it, and it would answer HTTP too.
            if (!boundPorts.ContainsKey(Endpoint.Port))
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                // Any HTTP answer (these emulators reply 400 to an empty request) means it is serving.
                using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent("{}", Encoding.UTF8, "application/x-amz-json-1.1") };
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new LocalServicesException($"{Kind} did not answer on {Endpoint} within {timeout}:{Environment.NewLine}{RecentOutput}");
    }

    private static void AddArguments(ProcessStartInfo startInfo, params object[] arguments)
    {
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(Convert.ToString(argument, System.Globalization.CultureInfo.InvariantCulture)!);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting right now.
        }
    }

    private static void KillAll()
    {
        foreach (var (id, process) in LiveProcesses)
        {
            LiveProcesses.TryRemove(id, out _);
            Kill(process);
        }
    }

    private static void InstallExitHooks()
    {
        lock (HookGate)
        {
            if (hooksInstalled)
            {
                return;
            }

            hooksInstalled = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            // The handlers do not cancel the signal: the default action (terminate) still follows.
            sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillAll());
            sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillAll());
        }
    }
}
