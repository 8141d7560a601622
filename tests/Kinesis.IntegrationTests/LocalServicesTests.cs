using System.Diagnostics;
using System.Text;
using Kinesis.LocalServices;
using Kinesis.Testing;

namespace Kinesis.IntegrationTests;

[Collection(LocalAwsCollection.Name)]
public sealed class LocalServicesTests(LocalAwsFixture fixture)
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(20);

    [Theory(Timeout = TestTimeouts.Integration)]
    [InlineData(LocalServiceKind.KinesisLocal, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1")]
    [InlineData(LocalServiceKind.Kinesalite, "Kinesis_20131202.ListStreams", "application/x-amz-json-1.1")]
    [InlineData(LocalServiceKind.Dynalite, "DynamoDB_20120810.ListTables", "application/x-amz-json-1.0")]
    public async Task Fixture_StartsService_AnswersAwsJsonOverHttpOnLoopback(LocalServiceKind kind, string target, string contentType)
    {
        var service = fixture.Services.All.Single(s => s.Kind == kind);
        Assert.Equal("127.0.0.1", service.Endpoint.Host);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, service.Endpoint)
        {
            Content = new StringContent("{}", Encoding.UTF8, contentType),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // Unsigned requests are refused the way AWS refuses them: a JSON error naming its type.
        Assert.Contains("__type", body, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Dispose_RunningService_LeavesNoProcessBehind()
    {
        var service = await LocalServiceProcess.StartAsync(LocalServiceKind.Kinesalite);
        var pid = service.ProcessId;
        Assert.True(ProcessExists(pid));

        await service.DisposeAsync();

        Assert.False(service.IsRunning);
        await Eventually.HoldsAsync(() => !ProcessExists(pid), ExitDeadline, $"process {pid} to exit");
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task ParentKilled_ServiceWatchingIt_ExitsByItself()
    {
        // Stand-in for a test host killed with SIGKILL: the emulator watches this process instead of us.
        using var parent = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        var service = await LocalServiceProcess.StartAsync(LocalServiceKind.Dynalite, parent.Id, CancellationToken.None);
        try
        {
            var pid = service.ProcessId;
            parent.Kill();
            await parent.WaitForExitAsync();

            await Eventually.HoldsAsync(() => !ProcessExists(pid), ExitDeadline, $"emulator {pid} to notice its parent is gone");
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Start_PortTakenByAnotherProcess_RetriesOnAnotherPortAndNeverAcceptsTheImpostor()
    {
        // Another server holds the port the launcher picks first; it answers HTTP like an emulator would.
        using var impostor = new System.Net.HttpListener();
        var takenPort = FreePort();

        impostor.Prefixes.Add($"http://127.0.0.1:{takenPort}/");
        impostor.Start();
        _ = Task.Run(async () =>
        {
            while (impostor.IsListening)
            {
                try
                {
                    var context = await impostor.GetContextAsync();
                    context.Response.StatusCode = 400;
                    context.Response.Close();
                }
                catch (System.Net.HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        });

        var picks = 0;
        var service = await LocalServiceProcess.StartAsync(
            LocalServiceKind.Kinesalite,
            Environment.ProcessId,
            CancellationToken.None,
            () => Interlocked.Increment(ref picks) == 1 ? takenPort : FreePort());
        try
        {
            Assert.NotEqual(takenPort, service.Endpoint.Port);
            Assert.True(picks >= 2);
        }
        finally
        {
            await service.DisposeAsync();
            impostor.Stop();
        }
    }

    [Fact(Timeout = TestTimeouts.Integration)]
    public async Task Dispose_CalledTwice_IsIdempotent()
    {
        var service = await LocalServiceProcess.StartAsync(LocalServiceKind.Kinesalite);
        await service.DisposeAsync();
        await service.DisposeAsync();
        Assert.False(service.IsRunning);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool ProcessExists(int pid)
    {
        // A zombie still has /proc/<pid>; only a live (non-zombie) process counts.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
