using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Tests;

public sealed class AgentConfigurationReaderTests
{
    // The Java agent's shipped sample (configuration/release/aws-kinesis-agent.json): a Kinesis flow and a Firehose flow.
    private const string JavaReleaseSample = """
        {
          "cloudwatch.emitMetrics": true,
          "kinesis.endpoint": "",
          "firehose.endpoint": "",

          "flows": [
            {
              "filePattern": "/tmp/app.log*",
              "kinesisStream": "yourkinesisstream",
              "partitionKeyOption": "RANDOM"
            },
            {
              "filePattern": "/tmp/app.log*",
              "deliveryStream": "yourdeliverystream"
            }
          ]
        }
        """;

    [Fact]
    public void Parse_JavaReleaseSample_ReadsTheKinesisFlowAndWarnsAboutFirehose()
    {
        var configuration = AgentConfigurationReader.Parse(JavaReleaseSample);

        Assert.Null(configuration.KinesisEndpoint);
        Assert.True(configuration.CloudWatchEmitMetrics);
        var flow = Assert.Single(configuration.Flows);
        Assert.Equal("/tmp/app.log*", flow.FilePattern);
        Assert.Equal("yourkinesisstream", flow.KinesisStream);
        Assert.Equal(PartitionKeyOption.Random, flow.PartitionKeyOption);
        Assert.Equal("kinesis:yourkinesisstream:/tmp/app.log*", flow.Id);
        Assert.Equal(2, configuration.Warnings.Count);
        Assert.Contains(configuration.Warnings, w => w.StartsWith("firehose.endpoint:", StringComparison.Ordinal));
        Assert.Contains(configuration.Warnings, w => w.StartsWith("flows[1].deliveryStream:", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MinimalFlow_HasTheDocumentedDefaults()
    {
        var configuration = AgentConfigurationReader.Parse("""{ "flows": [ { "filePattern": "/var/log/app.log", "kinesisStream": "s" } ] }""");

        Assert.Equal(AgentConfiguration.DefaultCheckpointFile, configuration.CheckpointFile);
        Assert.Equal("/var/run/aws-kinesis-agent/checkpoints", AgentConfiguration.DefaultCheckpointFile);
        Assert.True(configuration.CloudWatchEmitMetrics);
        Assert.Equal("AWSKinesisAgent", configuration.CloudWatchNamespace);
        Assert.Equal(AgentConfiguration.DefaultCloudWatchNamespace, configuration.CloudWatchNamespace);
        Assert.Null(configuration.CloudWatchEndpoint);
        Assert.Equal(TimeSpan.FromDays(7), configuration.CheckpointTimeToLive);
        Assert.Equal(AgentConfiguration.DefaultCheckpointTimeToLive, configuration.CheckpointTimeToLive);
        Assert.Null(configuration.AwsAccessKeyId);
        Assert.Empty(configuration.Warnings);
        var flow = Assert.Single(configuration.Flows);
        Assert.Equal(PartitionKeyOption.Random, flow.PartitionKeyOption);
        Assert.Equal(InitialPosition.EndOfFile, flow.InitialPosition);
        Assert.Equal(0, flow.SkipHeaderLines);
        Assert.Null(flow.FileFooterPattern);
        Assert.Equal("\n", flow.TruncatedRecordTerminator);
        Assert.Null(flow.MaxBufferAge);
        Assert.Null(flow.MaxBufferSizeRecords);
        Assert.Null(flow.MaxBufferSizeBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(100), flow.MinTimeBetweenFilePolls);
        Assert.Equal(TimeSpan.FromSeconds(5), flow.PartialLineTimeout);
        Assert.Empty(flow.DataProcessingOptions);
    }

    // The shape of the AWS guide's examples: credentials, an endpoint host without a scheme, every flow setting
    // (numbers also as strings, which the Java agent converts), and SINGLELINE.
    [Fact]
    public void Parse_EveryFlowSetting_IsRead()
    {
        var configuration = AgentConfigurationReader.Parse("""
            {
              "checkpointFile": "/tmp/agent.checkpoints",
              "kinesis.endpoint": "kinesis.eu-west-1.amazonaws.com",
              "awsAccessKeyId": "AKIDEXAMPLE",
              "awsSecretAccessKey": "secret",
              "cloudwatch.emitMetrics": false,
              "checkpointTimeToLiveDays": 30,
              "flows": [
                {
                  "filePattern": "/var/log/app*/access.log*",
                  "kinesisStream": "web",
                  "partitionKeyOption": "DETERMINISTIC",
                  "initialPosition": "START_OF_FILE",
                  "skipHeaderLines": 2,
                  "truncatedRecordTerminator": "...\n",
                  "maxBufferAgeMillis": "5000",
                  "maxBufferSizeRecords": 100,
                  "maxBufferSizeBytes": 1048576,
                  "dataProcessingOptions": [ { "optionName": "SINGLELINE", "parseOptions": [ "NO_TRIM" ] } ]
                }
              ]
            }
            """);

        Assert.Equal("/tmp/agent.checkpoints", configuration.CheckpointFile);
        Assert.Equal(TimeSpan.FromDays(30), configuration.CheckpointTimeToLive);
        Assert.Equal(new Uri("https://kinesis.eu-west-1.amazonaws.com"), configuration.KinesisEndpoint);
        Assert.Equal("AKIDEXAMPLE", configuration.AwsAccessKeyId);
        Assert.Equal("secret", configuration.AwsSecretAccessKey);
        Assert.False(configuration.CloudWatchEmitMetrics);
        var flow = Assert.Single(configuration.Flows);
        Assert.Equal(PartitionKeyOption.Deterministic, flow.PartitionKeyOption);
        Assert.Equal(InitialPosition.StartOfFile, flow.InitialPosition);
        Assert.Equal(2, flow.SkipHeaderLines);
        Assert.Equal("...\n", flow.TruncatedRecordTerminator);
        Assert.Equal(TimeSpan.FromSeconds(5), flow.MaxBufferAge);
        Assert.Equal(100, flow.MaxBufferSizeRecords);
        Assert.Equal(1048576, flow.MaxBufferSizeBytes);
        var option = Assert.Single(flow.DataProcessingOptions);
        Assert.Equal("SINGLELINE", option.OptionName);
        Assert.True(option.NoTrim);
        Assert.False(option.EscapeNewLine);

        var producer = KinesisAgent.CreateProducerOptions(configuration);
        Assert.Equal("eu-west-1", producer.Region);
        Assert.Equal(TimeSpan.FromSeconds(5), producer.RecordMaxBufferedTime);
        Assert.Equal(100, producer.CollectionMaxCount);
        Assert.Equal(1048576, producer.CollectionMaxSize);
        Assert.NotNull(producer.Credentials);
    }

    [Fact]
    public void Parse_UnknownAndJavaOnlyKeys_AreWarningsNotErrors()
    {
        var configuration = AgentConfigurationReader.Parse("""
            {
              "maxSendingThreads": 4,
              "colour": "blue",
              "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "retryMaxBackoffMillis": 100, "typo": 1 } ]
            }
            """);

        Assert.Equal(
            [
                "maxSendingThreads: a Java agent setting without effect in this agent; ignored",
                "colour: unknown key; ignored",
                "flows[0].retryMaxBackoffMillis: a Java agent setting without effect in this agent; ignored",
                "flows[0].typo: unknown key; ignored",
            ],
            configuration.Warnings);
    }

    [Theory]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "partitionKeyOption": "SEQUENTIAL" } ] }""", "flows[0].partitionKeyOption")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "initialPosition": 3 } ] }""", "flows[0].initialPosition")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "maxBufferAgeMillis": 10 } ] }""", "flows[0].maxBufferAgeMillis")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "maxBufferSizeRecords": 501 } ] }""", "flows[0].maxBufferSizeRecords")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "skipHeaderLines": "two" } ] }""", "flows[0].skipHeaderLines")]
    [InlineData("""{ "flows": [ { "filePattern": "relative/b.log", "kinesisStream": "s" } ] }""", "flows[0].filePattern")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log" } ] }""", "flows[0].kinesisStream")]
    [InlineData("""{ "flows": [ { "kinesisStream": "s" } ] }""", "flows[0].filePattern")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "no spaces" } ] }""", "flows[0].kinesisStream")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "multiLineStartPattern": "^(\\d" } ] }""", "flows[0].multiLineStartPattern")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "fileFooterPattern": "(END" } ] }""", "flows[0].fileFooterPattern")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "CSVTOJSON" } ] } ] }""", "flows[0].dataProcessingOptions[0].customFieldNames")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "CSVTOJSON", "customFieldNames": ["a"], "delimiter": "(" } ] } ] }""", "flows[0].dataProcessingOptions[0].delimiter")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "CSVTOJSON", "customFieldNames": "a,b" } ] } ] }""", "flows[0].dataProcessingOptions[0].customFieldNames")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON" } ] } ] }""", "flows[0].dataProcessingOptions[0].logFormat")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON", "logFormat": "NGINX" } ] } ] }""", "flows[0].dataProcessingOptions[0].logFormat")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(a) (b)" } ] } ] }""", "flows[0].dataProcessingOptions[0].customFieldNames")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(a) (b)", "customFieldNames": ["x"] } ] } ] }""", "flows[0].dataProcessingOptions[0].customFieldNames")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON", "logFormat": "SYSLOG", "matchPattern": "(a", "customFieldNames": ["x"] } ] } ] }""", "flows[0].dataProcessingOptions[0].matchPattern")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "LOGTOJSON", "logFormat": "COMMONAPACHELOG", "customFieldNames": ["x", "y"] } ] } ] }""", "flows[0].dataProcessingOptions[0].customFieldNames")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "ADDMETADATA", "timestamp": "sometimes" } ] } ] }""", "flows[0].dataProcessingOptions[0].timestamp")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "ADDEC2METADATA" } ] } ] }""", "flows[0].dataProcessingOptions[0].optionName")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "SINGLELINE", "jsonFormat": "YAML" } ] } ] }""", "flows[0].dataProcessingOptions[0].jsonFormat")]
    [InlineData("""{ "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s", "dataProcessingOptions": [ { "optionName": "SINGLELINE", "parseOptions": [ "NOPE" ] } ] } ] }""", "flows[0].dataProcessingOptions[0].parseOptions")]
    [InlineData("""{ "kinesis.endpoint": "ftp://x", "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "kinesis.endpoint")]
    [InlineData("""{ "cloudwatch.emitMetrics": "maybe", "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "cloudwatch.emitMetrics")]
    [InlineData("""{ "awsAccessKeyId": "AKID", "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "awsSecretAccessKey")]
    [InlineData("""{ "flows": [] }""", "flows")]
    [InlineData("""[ 1 ]""", "(file)")]
    [InlineData("""{ "checkpointTimeToLiveDays": 0, "flows": [ { "filePattern": "/a/b.log", "kinesisStream": "s" } ] }""", "checkpointTimeToLiveDays")]
    public void Parse_BadValue_FailsNamingTheKey(string json, string key)
    {
        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationReader.Parse(json));

        Assert.Equal(key, error.Key);
        Assert.StartsWith(key + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_FailsNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "agent.json");

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationReader.Load(path));

        Assert.Equal(path, error.Key);
    }
}
