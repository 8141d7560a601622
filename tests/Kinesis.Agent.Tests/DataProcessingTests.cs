using System.Text;
using Kinesis.Agent.Configuration;
using Kinesis.Agent.Processing;
using Kinesis.Testing;

namespace Kinesis.Agent.Tests;

/// <summary>
/// The processing options against real log lines of each format, with the JSON the Java agent writes for them
/// (fields in order, strings or null, one line break after the object).
/// </summary>
public sealed class DataProcessingTests
{
    public static TheoryData<string, string, string?> LogLines => new()
    {
        // Apache common log format (httpd documentation's example); '-' becomes null.
        {
            "COMMONAPACHELOG",
            "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
            """{"host":"127.0.0.1","ident":null,"authuser":"frank","datetime":"10/Oct/2000:13:55:36 -0700","request":"GET /apache_pb.gif HTTP/1.0","response":"200","bytes":"2326"}"""
        },
        {
            "COMMONAPACHELOG",
            "ip-10-0-1-17.ec2.internal - - [05/Dec/2026:03:10:11 +0000] \"POST /api/v1/orders?id=7 HTTP/1.1\" 201 -",
            """{"host":"ip-10-0-1-17.ec2.internal","ident":null,"authuser":null,"datetime":"05/Dec/2026:03:10:11 +0000","request":"POST /api/v1/orders?id=7 HTTP/1.1","response":"201","bytes":null}"""
        },

        // A combined line read as common: the extra fields are allowed after the pattern (".*").
        {
            "COMMONAPACHELOG",
            "10.0.0.1 - - [05/Dec/2026:03:10:11 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"curl/8.5.0\"",
            """{"host":"10.0.0.1","ident":null,"authuser":null,"datetime":"05/Dec/2026:03:10:11 +0000","request":"GET / HTTP/1.1","response":"200","bytes":"512"}"""
        },
        {
            "COMBINEDAPACHELOG",
            "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
            """{"host":"127.0.0.1","ident":null,"authuser":"frank","datetime":"10/Oct/2000:13:55:36 -0700","request":"GET /apache_pb.gif HTTP/1.0","response":"200","bytes":"2326","referer":"http://www.example.com/start.html","agent":"Mozilla/4.08 [en] (Win98; I ;Nav)"}"""
        },

        // A common line is not combined: filtered out.
        { "COMBINEDAPACHELOG", "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326", null },

        // Apache 2.4 error log (module, pid:tid, client with port).
        {
            "APACHEERRORLOG",
            "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:50412] File does not exist: /usr/local/apache2/htdocs/favicon.ico",
            """{"timestamp":"Fri Sep 09 10:42:29.902022 2011","module":"core","severity":"error","processid":"35708","threadid":"4328636416","client":"72.15.99.187:50412","message":"File does not exist: /usr/local/apache2/htdocs/favicon.ico"}"""
        },
        {
            "APACHEERRORLOG",
            "[Wed Oct 11 14:32:52 2000] [error] [pid 1234] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test",
            """{"timestamp":"Wed Oct 11 14:32:52 2000","module":null,"severity":"error","processid":"1234","threadid":null,"client":"127.0.0.1","message":"client denied by server configuration: /export/home/live/ap/htdocs/test"}"""
        },

        // Apache 2.2 error lines have no pid: the Java pattern requires one, so they are filtered out.
        { "APACHEERRORLOG", "[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration", null },

        // syslog as rsyslog/syslog-ng write it to /var/log (RFC 3164 style); the process id is optional.
        {
            "SYSLOG",
            "Mar  1 09:15:01 ip-10-0-0-5 CRON[12345]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
            """{"timestamp":"Mar  1 09:15:01","hostname":"ip-10-0-0-5","program":"CRON","processid":"12345","message":"(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)"}"""
        },
        {
            "RFC3164SYSLOG",
            "Dec  5 03:10:11 web-1 kernel: [    0.000000] Linux version 6.8.0-1019-aws",
            """{"timestamp":"Dec  5 03:10:11","hostname":"web-1","program":"kernel","processid":null,"message":"[    0.000000] Linux version 6.8.0-1019-aws"}"""
        },
        { "SYSLOG", "2026-12-05T03:10:11.123456+00:00 web-1 sshd[4242]: Accepted publickey", null },
        {
            "RFC3339SYSLOG",
            "2026-12-05T03:10:11.123456+00:00 web-1 sshd[4242]: Accepted publickey for ubuntu from 10.0.0.9 port 52144 ssh2: \"quoted\" \\ path",
            """{"timestamp":"2026-12-05T03:10:11.123456+00:00","hostname":"web-1","program":"sshd","processid":"4242","message":"Accepted publickey for ubuntu from 10.0.0.9 port 52144 ssh2: \"quoted\" \\ path"}"""
        },
        { "RFC3339SYSLOG", "Dec  5 03:10:11 web-1 sshd[4242]: Accepted publickey", null },

        // RFC 5424 (the RFC's own examples): nil values become null.
        {
            "RFC5424SYSLOG",
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
            """{"priority":"34","version":"1","timestamp":"2003-10-11T22:14:15.003Z","hostname":"mymachine.example.com","program":"su","processid":null,"messageid":"ID47","structureddata":null,"message":"'su root' failed for lonvick on /dev/pts/8"}"""
        },
        {
            "RFC5424SYSLOG",
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
            """{"priority":"165","version":"1","timestamp":"2003-10-11T22:14:15.003Z","hostname":"mymachine.example.com","program":"evntslog","processid":null,"messageid":"ID47","structureddata":"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]","message":null}"""
        },
        { "RFC5424SYSLOG", "Mar  1 09:15:01 ip-10-0-0-5 CRON[12345]: (root) CMD", null },
    };

    [Theory]
    [MemberData(nameof(LogLines))]
    public void LogToJson_RealLines_AsTheJavaAgent(string logFormat, string line, string? expectedJson)
    {
        var output = Convert(Option($$"""{ "optionName": "LOGTOJSON", "logFormat": "{{logFormat}}" }"""), line + "\n");

        Assert.Equal(expectedJson is null ? null : expectedJson + "\n", output);
    }

    [Fact]
    public void LogToJson_CustomFieldNames_RenameTheFormatsFields()
    {
        var option = Option("""{ "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "customFieldNames": ["ts", "host", "app", "pid", "msg"] }""");

        var output = Convert(option, "Mar  1 09:15:01 ip-10-0-0-5 CRON[12345]: hello\n");

        Assert.Equal("""{"ts":"Mar  1 09:15:01","host":"ip-10-0-0-5","app":"CRON","pid":"12345","msg":"hello"}""" + "\n", output);
    }

    [Theory]
    // The whole line must match (Java's Matcher.matches), not a prefix.
    [InlineData("GET /index.html 200", """{"method":"GET","path":"/index.html","status":"200"}""")]
    [InlineData("GET /index.html 200 extra", null)]
    // In an Apache format a '-' is null, as in the format's own fields.
    [InlineData("GET - 404", """{"method":"GET","path":null,"status":"404"}""")]
    public void LogToJson_MatchPattern_WholeLineGroupsInOrder(string line, string? expectedJson)
    {
        var option = Option("""{ "optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG", "matchPattern": "^([A-Z]+) (\\S+) (\\d{3})$", "customFieldNames": ["method", "path", "status"] }""");

        Assert.Equal(expectedJson is null ? null : expectedJson + "\n", Convert(option, line + "\n"));
    }

    [Fact]
    public void LogToJson_MatchPatternWithSyslogFormat_KeepsADashAsText()
    {
        var option = Option("""{ "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(\\S+) (\\S+)", "customFieldNames": ["a", "b"] }""");

        Assert.Equal("""{"a":"x","b":"-"}""" + "\n", Convert(option, "x -\n"));
    }

    [Theory]
    [InlineData(",", "a,b,c", """{"x":"a","y":"b","z":"c"}""")]
    // Missing columns are null; columns beyond the names are ignored.
    [InlineData(",", "a,b", """{"x":"a","y":"b","z":null}""")]
    [InlineData(",", "a,b,c,d,e", """{"x":"a","y":"b","z":"c"}""")]
    // Java's split drops trailing empty columns (so they are null), keeps inner ones (so they are "").
    [InlineData(",", "a,,c,,", """{"x":"a","y":"","z":"c"}""")]
    [InlineData(",", "a,,", """{"x":"a","y":null,"z":null}""")]
    [InlineData(",", "", """{"x":"","y":null,"z":null}""")]
    [InlineData(",", ",,,", """{"x":null,"y":null,"z":null}""")]
    // The delimiter is a regular expression, as in the Java agent.
    [InlineData("\\t", "2026-12-05\tGET\t/index.html", """{"x":"2026-12-05","y":"GET","z":"/index.html"}""")]
    [InlineData("\\|", "a|b|c", """{"x":"a","y":"b","z":"c"}""")]
    [InlineData("\\s*;\\s*", "a ; b;c", """{"x":"a","y":"b","z":"c"}""")]
    // Quotes are not CSV quoting (the Java agent splits blindly) and are escaped in JSON; non-ASCII stays as it is.
    [InlineData(",", "\"q\",ü,\\", """{"x":"\"q\"","y":"ü","z":"\\"}""")]
    public void CsvToJson_AsTheJavaAgent(string delimiter, string line, string expectedJson)
    {
        var option = new DataProcessingOption { OptionName = "CSVTOJSON", CustomFieldNames = ["x", "y", "z"], Delimiter = delimiter };

        Assert.Equal(expectedJson + "\n", Convert(option, line + "\n"));
    }

    [Fact]
    public void AddMetadata_WrapsTheLineWithMetadataAndTimestamp()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 5, 3, 10, 11, 123, TimeSpan.Zero));
        var option = Option("""{ "optionName": "ADDMETADATA", "timestamp": "true", "metadata": { "env": "prod", "tags": ["a", 1] } }""");

        var output = Convert(option, "hello \"world\"\n", time);

        Assert.Equal("""{"ts":"2026-12-05T03:10:11.123Z","metadata":{"env":"prod","tags":["a",1]},"data":"hello \"world\""}""" + "\n", output);
    }

    [Fact]
    public void AddMetadata_WithoutMetadataOrTimestamp_WritesNullMetadata()
    {
        Assert.Equal("""{"metadata":null,"data":"x"}""" + "\n", Convert(Option("""{ "optionName": "ADDMETADATA" }"""), "x\n"));
    }

    [Fact]
    public void Chain_LogToJsonThenAddMetadata_WrapsTheJsonAsText()
    {
        var chain = Chain(
            """{ "optionName": "LOGTOJSON", "logFormat": "SYSLOG" }""",
            """{ "optionName": "ADDMETADATA", "metadata": { "host": "h" } }""");

        var output = chain.Convert(Encoding.UTF8.GetBytes("Mar  1 09:15:01 h CRON[1]: hi\n"), out var error);

        Assert.Null(error);
        Assert.Equal(
            """{"metadata":{"host":"h"},"data":"{\"timestamp\":\"Mar  1 09:15:01\",\"hostname\":\"h\",\"program\":\"CRON\",\"processid\":\"1\",\"message\":\"hi\"}"}""" + "\n",
            Encoding.UTF8.GetString(output!));
    }

    [Fact]
    public void Chain_FilteredByAnEarlierOption_LaterOptionsDoNotRun()
    {
        var chain = Chain(
            """{ "optionName": "LOGTOJSON", "logFormat": "SYSLOG" }""",
            """{ "optionName": "ADDMETADATA" }""");

        Assert.Null(chain.Convert("not syslog\n"u8.ToArray(), out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Chain_SingleLineThenCsv_JoinsAMultiLineRecordFirst()
    {
        var chain = Chain(
            """{ "optionName": "SINGLELINE" }""",
            """{ "optionName": "CSVTOJSON", "customFieldNames": ["a", "b"] }""");

        Assert.Equal("""{"a":"1","b":"2"}""" + "\n", Encoding.UTF8.GetString(chain.Convert("1,\n  2\n"u8.ToArray(), out _)!));
    }

    [Fact]
    public void Chain_ConverterThrows_SendsTheRecordUnconvertedWithTheError()
    {
        // A pattern that backtracks catastrophically on this line hits the match timeout: the Java agent's fallback to raw data.
        var chain = Chain("""{ "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(a+)+b", "customFieldNames": ["x"] }""");
        var line = Encoding.UTF8.GetBytes(new string('a', 40) + "c\n");

        var output = chain.Convert(line, out var error);

        Assert.Same(line, output);
        Assert.IsType<System.Text.RegularExpressions.RegexMatchTimeoutException>(error);
    }

    [Fact]
    public void Option_Defaults_AreTheJavaAgents()
    {
        var option = Option("""{ "optionName": "CSVTOJSON", "customFieldNames": ["a"] }""");

        Assert.Equal(",", option.Delimiter);
        Assert.Equal(DataProcessingOption.DefaultDelimiter, option.Delimiter);
        Assert.Equal(JsonFormat.Compact, option.JsonFormat);
        Assert.False(option.Timestamp);
        Assert.Null(option.Metadata);
        Assert.Null(option.MatchPattern);
        Assert.Null(option.LogFormat);
        Assert.False(option.NoTrim);
        Assert.False(option.EscapeNewLine);
    }

    [Fact]
    public void JsonFormat_PrettyPrint_IndentsTheObject()
    {
        var option = Option("""{ "optionName": "CSVTOJSON", "customFieldNames": ["a", "b"], "jsonFormat": "PRETTYPRINT" }""");

        var output = Convert(option, "1,2\n")!;

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(output));
        Assert.True(output.Count(c => c == '\n') > 2, output);
        Assert.EndsWith("}\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "optionName": "SINGLELINE" }""", "  a\n   b  \n", "ab\n")]
    [InlineData("""{ "optionName": "SINGLELINE", "parseOptions": ["NO_TRIM"] }""", "  a\n b\n", "  a b\n")]
    [InlineData("""{ "optionName": "SINGLELINE", "parseOptions": ["ESCAPE_NEW_LINE"] }""", "a\nb\n", "a\\\\nb\n")]
    [InlineData("""{ "optionName": "SINGLELINE" }""", "plain line\n", "plain line\n")]
    public void SingleLine_AsTheJavaAgent(string json, string input, string expected)
    {
        Assert.Equal(expected, Convert(Option(json), input));
    }

    private static DataProcessingOption Option(string json) => AgentConfigurationReader.Parse($$"""
        { "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ {{json}} ] } ] }
        """).Flows[0].DataProcessingOptions[0];

    private static DataConverterChain Chain(params string[] options) => new(
        AgentConfigurationReader.Parse($$"""
            { "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ {{string.Join(", ", options)}} ] } ] }
            """).Flows[0].DataProcessingOptions,
        TimeProvider.System);

    private static string? Convert(DataProcessingOption option, string line, TimeProvider? time = null)
    {
        var output = DataConverterChain.Create(option, time ?? TimeProvider.System).Convert(Encoding.UTF8.GetBytes(line));
        return output is null ? null : Encoding.UTF8.GetString(output);
    }
}
