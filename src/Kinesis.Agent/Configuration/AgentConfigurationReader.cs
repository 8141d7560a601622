using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kinesis.Agent.Processing;
using Kinesis.Agent.Tailing;
using Microsoft.Extensions.Configuration;

namespace Kinesis.Agent.Configuration;

/// <summary>
/// Reads a Java Kinesis Agent <c>agent.json</c>. Unknown keys, and keys of the Java agent that have no effect here,
/// become <see cref="AgentConfiguration.Warnings"/> (said once by the caller, never fatal); a missing or bad value
/// throws <see cref="AgentConfigurationException"/> naming the key.
/// </summary>
public static class AgentConfigurationReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly HashSet<string> JavaTopLevelKeysWithoutEffect = new(StringComparer.Ordinal)
    {
        "firehose.endpoint", "cloudwatch.tagInstance", "cloudwatch.metricsBufferTimeMillis",
        "cloudwatch.metricsQueueSize", "log.emitMetrics", "log.emitInternalMetrics",
        "log.statusReportingPeriodSeconds", "maxSendingThreads", "sendingThreadsKeepAliveMillis", "sendingThreadsMaxQueueSize",
        "maxSendingThreadsPerCore", "maxConnections", "connectionTimeoutMillis", "connectionTTLMillis", "socketTimeoutMillis",
        "useTcpKeepAlive", "useHttpGzip", "shutdownTimeoutMillis", "sts.endpoint",
    };

    private static readonly HashSet<string> JavaFlowKeysWithoutEffect = new(StringComparer.Ordinal)
    {
        "maxTimeBetweenFileTrackerRefreshMillis", "waitOnFullPublishQueueMillis", "waitOnEmptyPublishQueueMillis",
        "waitOnFullRetryQueueMillis", "retryInitialBackoffMillis", "retryMaxBackoffMillis", "publishQueueCapacity",
        "log.emitInternalMetrics",
    };

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="AgentConfigurationException">The file cannot be read, is not JSON, or a value is bad.</exception>
    public static AgentConfiguration Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigurationException(path, $"cannot read the configuration file: {ex.Message}");
        }

        return Parse(text);
    }

    /// <summary>
    /// Reads the settings from a configuration section (for example <c>appsettings.json</c>'s <c>KinesisAgent</c>, or
    /// environment variables such as <c>KinesisAgent__flows__0__kinesisStream</c>) under the key names of
    /// <c>agent.json</c>: <c>"kinesis.endpoint"</c> (with its dot), <c>"flows": [ { "filePattern": ... } ]</c>. Values
    /// arrive as strings and are read as in <c>agent.json</c>, where numbers and booleans may be strings too; an
    /// ADDMETADATA <c>metadata</c> object keeps its structure, but its numbers and booleans become strings.
    /// </summary>
    /// <exception cref="AgentConfigurationException">A value is bad, named by its key as in <c>agent.json</c>.</exception>
    public static AgentConfiguration Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var root = ToJson(configuration) ?? new JsonObject();
        return Parse(root.ToJsonString());
    }

    // A section with children is an array when every key is an index (0, 1, 2, ...), else an object; a leaf is a string.
    private static JsonNode? ToJson(IConfiguration configuration)
    {
        var children = configuration.GetChildren().ToList();
        if (children.Count == 0)
        {
            return configuration is IConfigurationSection { Value: { } value } ? JsonValue.Create(value) : null;
        }

        var indexes = children.Select(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1).ToList();
        if (indexes.All(i => i >= 0))
        {
            var array = new JsonArray();
            foreach (var (child, _) in children.Zip(indexes).OrderBy(p => p.Second))
            {
                array.Add(ToJson(child));
            }

            return array;
        }

        var result = new JsonObject();
        foreach (var child in children)
        {
            result[child.Key] = ToJson(child);
        }

        return result;
    }

    /// <summary>Reads configuration from JSON text.</summary>
    /// <exception cref="AgentConfigurationException">The text is not a JSON object, or a value is bad.</exception>
    public static AgentConfiguration Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new AgentConfigurationException("(file)", $"not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new AgentConfigurationException("(file)", "the configuration must be a JSON object");
            }

            var warnings = new List<string>();
            var flows = new List<FlowConfiguration>();
            Uri? endpoint = null;
            string? region = null, accessKey = null, secretKey = null;
            var checkpointFile = AgentConfiguration.DefaultCheckpointFile;
            var emitMetrics = true;
            Uri? metricsEndpoint = null;
            var metricsNamespace = AgentConfiguration.DefaultCloudWatchNamespace;
            var checkpointTimeToLive = AgentConfiguration.DefaultCheckpointTimeToLive;
            foreach (var property in root.EnumerateObject())
            {
                var key = property.Name;
                var value = property.Value;
                switch (key)
                {
                    case "kinesis.endpoint":
                        endpoint = ReadEndpoint(key, value);
                        break;
                    case "kinesis.region":
                        region = ReadOptionalString(key, value);
                        break;
                    case "awsAccessKeyId":
                        accessKey = ReadOptionalString(key, value);
                        break;
                    case "awsSecretAccessKey":
                        secretKey = ReadOptionalString(key, value);
                        break;
                    case "checkpointFile":
                        checkpointFile = ReadOptionalString(key, value) ?? throw new AgentConfigurationException(key, "must name a file");
                        break;
                    case "checkpointTimeToLiveDays":
                        checkpointTimeToLive = TimeSpan.FromDays(ReadInteger(key, value, 1, 36_500));
                        break;
                    case "cloudwatch.emitMetrics":
                        emitMetrics = ReadBoolean(key, value);
                        break;
                    case "cloudwatch.endpoint":
                        metricsEndpoint = ReadEndpoint(key, value);
                        if (metricsEndpoint is { IsLoopback: false } && metricsEndpoint.Scheme == Uri.UriSchemeHttp)
                        {
                            throw new AgentConfigurationException(key, "plain http is allowed only for a loopback address");
                        }

                        break;
                    case "cloudwatch.namespace":
                        metricsNamespace = ReadOptionalString(key, value) ?? AgentConfiguration.DefaultCloudWatchNamespace;
                        if (metricsNamespace.Length > 255 || metricsNamespace.StartsWith(':') || metricsNamespace.StartsWith("AWS/", StringComparison.Ordinal))
                        {
                            throw new AgentConfigurationException(key, "must be 1 to 255 characters, not starting with ':' or 'AWS/'");
                        }

                        break;
                    case "flows":
                        ReadFlows(value, flows, warnings);
                        break;
                    default:
                        warnings.Add(JavaTopLevelKeysWithoutEffect.Contains(key) || key.StartsWith("assumeRole", StringComparison.Ordinal) || key.StartsWith("userDefinedCredentialsProvider", StringComparison.Ordinal)
                            ? $"{key}: a Java agent setting without effect in this agent; ignored"
                            : $"{key}: unknown key; ignored");
                        break;
                }
            }

            if ((accessKey is null) != (secretKey is null))
            {
                throw new AgentConfigurationException(accessKey is null ? "awsAccessKeyId" : "awsSecretAccessKey", "awsAccessKeyId and awsSecretAccessKey must be given together");
            }

            if (flows.Count == 0)
            {
                throw new AgentConfigurationException("flows", "no flow with a kinesisStream is configured");
            }

            return new AgentConfiguration
            {
                KinesisEndpoint = endpoint,
                KinesisRegion = region,
                AwsAccessKeyId = accessKey,
                AwsSecretAccessKey = secretKey,
                CheckpointFile = checkpointFile,
                CloudWatchEmitMetrics = emitMetrics,
                CloudWatchEndpoint = metricsEndpoint,
                CloudWatchNamespace = metricsNamespace,
                CheckpointTimeToLive = checkpointTimeToLive,
                Flows = flows,
                Warnings = warnings,
            };
        }
    }

    private static void ReadFlows(JsonElement value, List<FlowConfiguration> flows, List<string> warnings)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new AgentConfigurationException("flows", "must be an array of flow objects");
        }

        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var flow = ReadFlow($"flows[{index}]", element, warnings);
            if (flow is not null)
            {
                flows.Add(flow);
            }

            index++;
        }
    }

    private static FlowConfiguration? ReadFlow(string path, JsonElement element, List<string> warnings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AgentConfigurationException(path, "must be a JSON object");
        }

        string? filePattern = null, stream = null, deliveryStream = null, multiLineStart = null;
        var partitionKey = PartitionKeyOption.Random;
        var initial = InitialPosition.EndOfFile;
        var skipHeaderLines = 0;
        var terminator = FlowConfiguration.DefaultTruncatedRecordTerminator;
        TimeSpan? maxBufferAge = null;
        int? maxRecords = null, maxBytes = null;
        var pollInterval = FlowConfiguration.DefaultMinTimeBetweenFilePolls;
        var partialLineTimeout = FlowConfiguration.DefaultPartialLineTimeout;
        var processing = new List<DataProcessingOption>();
        string? footer = null;
        foreach (var property in element.EnumerateObject())
        {
            var key = $"{path}.{property.Name}";
            var value = property.Value;
            switch (property.Name)
            {
                case "filePattern":
                    filePattern = ReadOptionalString(key, value);
                    break;
                case "kinesisStream":
                    stream = ReadOptionalString(key, value);
                    break;
                case "deliveryStream":
                    deliveryStream = ReadOptionalString(key, value);
                    break;
                case "partitionKeyOption":
                    partitionKey = ReadEnum(key, value, ("RANDOM", PartitionKeyOption.Random), ("DETERMINISTIC", PartitionKeyOption.Deterministic));
                    break;
                case "initialPosition":
                    initial = ReadEnum(key, value, ("END_OF_FILE", InitialPosition.EndOfFile), ("START_OF_FILE", InitialPosition.StartOfFile));
                    break;
                case "skipHeaderLines":
                    skipHeaderLines = (int)ReadInteger(key, value, 0, int.MaxValue);
                    break;
                case "truncatedRecordTerminator":
                    terminator = ReadOptionalString(key, value) ?? throw new AgentConfigurationException(key, "must be a string");
                    if (terminator.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(terminator) > 1024)
                    {
                        throw new AgentConfigurationException(key, "must be 1 to 1,024 bytes");
                    }

                    break;
                case "maxBufferAgeMillis":
                    maxBufferAge = TimeSpan.FromMilliseconds(ReadInteger(key, value, 1_000, 900_000));
                    break;
                case "maxBufferSizeRecords":
                    maxRecords = (int)ReadInteger(key, value, 1, 500);
                    break;
                case "maxBufferSizeBytes":
                    maxBytes = (int)ReadInteger(key, value, 1, 5 * 1024 * 1024);
                    break;
                case "minTimeBetweenFilePollsMillis":
                    pollInterval = TimeSpan.FromMilliseconds(ReadInteger(key, value, 1, 600_000));
                    break;
                case "partialLineTimeoutMillis":
                    partialLineTimeout = TimeSpan.FromMilliseconds(ReadInteger(key, value, 1, 3_600_000));
                    break;
                case "dataProcessingOptions":
                    ReadProcessing(key, value, processing, warnings);
                    break;
                case "multiLineStartPattern":
                    multiLineStart = ReadOptionalString(key, value);
                    if (multiLineStart is not null)
                    {
                        try
                        {
                            _ = LineSplitter.StartPattern(multiLineStart);
                        }
                        catch (ArgumentException ex)
                        {
                            throw new AgentConfigurationException(key, $"not a valid regular expression: {ex.Message}");
                        }
                    }

                    break;
                case "fileFooterPattern":
                    // Java ignores an empty pattern.
                    footer = ReadOptionalString(key, value) is { Length: > 0 } footerPattern ? footerPattern : null;
                    if (footer is not null)
                    {
                        try
                        {
                            _ = FileFooter.Pattern(footer);
                        }
                        catch (ArgumentException ex)
                        {
                            throw new AgentConfigurationException(key, $"not a valid regular expression: {ex.Message}");
                        }
                    }

                    break;
                default:
                    warnings.Add(JavaFlowKeysWithoutEffect.Contains(property.Name)
                        ? $"{key}: a Java agent setting without effect in this agent; ignored"
                        : $"{key}: unknown key; ignored");
                    break;
            }
        }

        if (stream is null)
        {
            if (deliveryStream is not null)
            {
                warnings.Add($"{path}.deliveryStream: Firehose flows are not supported by this agent; the flow is skipped");
                return null;
            }

            throw new AgentConfigurationException($"{path}.kinesisStream", "required: the stream to send to");
        }

        if (!Kinesis.Core.Api.KinesisLimits.IsStreamName(stream))
        {
            throw new AgentConfigurationException($"{path}.kinesisStream", $"'{stream}' is not a stream name (1 to 128 letters, digits, '_', '-', '.')");
        }

        if (filePattern is null)
        {
            throw new AgentConfigurationException($"{path}.filePattern", "required: the files to tail");
        }

        try
        {
            _ = FilePattern.Parse(filePattern);
        }
        catch (ArgumentException ex)
        {
            throw new AgentConfigurationException($"{path}.filePattern", ex.Message);
        }

        return new FlowConfiguration
        {
            FilePattern = filePattern,
            KinesisStream = stream,
            PartitionKeyOption = partitionKey,
            InitialPosition = initial,
            SkipHeaderLines = skipHeaderLines,
            TruncatedRecordTerminator = terminator,
            MaxBufferAge = maxBufferAge,
            MaxBufferSizeRecords = maxRecords,
            MaxBufferSizeBytes = maxBytes,
            MinTimeBetweenFilePolls = pollInterval,
            PartialLineTimeout = partialLineTimeout,
            DataProcessingOptions = processing,
            MultiLineStartPattern = multiLineStart,
            FileFooterPattern = footer,
        };
    }

    private static void ReadProcessing(string path, JsonElement value, List<DataProcessingOption> processing, List<string> warnings)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new AgentConfigurationException(path, "must be an array of processing options");
        }

        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            processing.Add(ReadProcessingOption($"{path}[{index++}]", element, warnings));
        }
    }

    private static DataProcessingOption ReadProcessingOption(string itemPath, JsonElement element, List<string> warnings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AgentConfigurationException(itemPath, "must be a JSON object with an optionName");
        }

        string? name = null, delimiter = null, matchPattern = null, metadata = null;
        bool noTrim = false, escape = false, timestamp = false;
        List<string>? fieldNames = null;
        LogFormat? logFormat = null;
        var jsonFormat = JsonFormat.Compact;
        foreach (var property in element.EnumerateObject())
        {
            var key = $"{itemPath}.{property.Name}";
            switch (property.Name)
            {
                case "optionName":
                    name = ReadOptionalString(key, property.Value)?.ToUpperInvariant();
                    break;
                case "parseOptions":
                    foreach (var option in ReadStringList(key, property.Value))
                    {
                        switch (option)
                        {
                            case "NO_TRIM":
                                noTrim = true;
                                break;
                            case "ESCAPE_NEW_LINE":
                                escape = true;
                                break;
                            default:
                                throw new AgentConfigurationException(key, $"'{option}' is not one of NO_TRIM, ESCAPE_NEW_LINE");
                        }
                    }

                    break;
                case "customFieldNames":
                    fieldNames = ReadStringList(key, property.Value);
                    if (fieldNames.Count == 0 || fieldNames.Any(string.IsNullOrEmpty))
                    {
                        throw new AgentConfigurationException(key, "must be a non-empty array of non-empty names");
                    }

                    break;
                case "delimiter":
                    // Not ReadOptionalString: a delimiter may be white space ("\t", " ").
                    delimiter = property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } text
                        ? text
                        : throw new AgentConfigurationException(key, $"must be a non-empty string (a regular expression), not {Describe(property.Value)}");
                    break;
                case "logFormat":
                    logFormat = ReadEnum(
                        key,
                        property.Value,
                        ("COMMONAPACHELOG", LogFormat.CommonApacheLog),
                        ("COMBINEDAPACHELOG", LogFormat.CombinedApacheLog),
                        ("APACHEERRORLOG", LogFormat.ApacheErrorLog),
                        ("SYSLOG", LogFormat.Syslog),
                        ("RFC3164SYSLOG", LogFormat.Syslog),
                        ("RFC3339SYSLOG", LogFormat.Rfc3339Syslog),
                        ("RFC5424SYSLOG", LogFormat.Rfc5424Syslog));
                    break;
                case "matchPattern":
                    matchPattern = ReadOptionalString(key, property.Value);
                    break;
                case "jsonFormat":
                    jsonFormat = ReadEnum(key, property.Value, ("COMPACT", JsonFormat.Compact), ("PRETTYPRINT", JsonFormat.PrettyPrint));
                    break;
                case "metadata":
                    metadata = property.Value.ValueKind == JsonValueKind.Null ? null : JsonSerializer.Serialize(property.Value);
                    break;
                case "timestamp":
                    // The Java agent reads it as the string "true"; a JSON boolean is taken too.
                    timestamp = ReadBoolean(key, property.Value);
                    break;
                default:
                    warnings.Add($"{key}: unknown key; ignored");
                    break;
            }
        }

        if (name is null)
        {
            throw new AgentConfigurationException($"{itemPath}.optionName", "required");
        }

        if (name is "ADDEC2METADATA" or "ADDBRACKETS" or "USINGPLUGGIN")
        {
            throw new AgentConfigurationException($"{itemPath}.optionName", $"{name} is not supported by this agent; SINGLELINE, CSVTOJSON, LOGTOJSON and ADDMETADATA are");
        }

        var result = new DataProcessingOption
        {
            OptionName = name,
            NoTrim = noTrim,
            EscapeNewLine = escape,
            CustomFieldNames = fieldNames,
            Delimiter = delimiter ?? DataProcessingOption.DefaultDelimiter,
            LogFormat = logFormat,
            MatchPattern = matchPattern,
            JsonFormat = jsonFormat,
            Metadata = metadata,
            Timestamp = timestamp,
        };

        // Build the converter once to check what only it knows (patterns compile, names fit their groups).
        try
        {
            _ = DataConverterChain.Create(result, TimeProvider.System);
        }
        catch (ArgumentException ex)
        {
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            throw new AgentConfigurationException($"{itemPath}.{ex.ParamName ?? "optionName"}", message);
        }

        return result;
    }

    private static List<string> ReadStringList(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new AgentConfigurationException(key, $"must be an array of strings, not {Describe(value)}");
        }

        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static Uri? ReadEndpoint(string key, JsonElement value)
    {
        var text = ReadOptionalString(key, value);
        if (text is null)
        {
            return null;
        }

        // The Java SDK accepts a bare host name ("kinesis.us-east-1.amazonaws.com") and uses https.
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new AgentConfigurationException(key, $"'{text}' is not an http(s) URL or a host name");
        }

        return uri;
    }

    // An empty string means "not set", as in the Java agent's sample configuration ("kinesis.endpoint": "").
    private static string? ReadOptionalString(string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString(),
        _ => throw new AgentConfigurationException(key, $"must be a string, not {Describe(value)}"),
    };

    private static bool ReadBoolean(string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
        _ => throw new AgentConfigurationException(key, $"must be true or false, not {Describe(value)}"),
    };

    // The Java agent converts numeric strings too ("5000").
    private static long ReadInteger(string key, JsonElement value, long min, long max)
    {
        long parsed;
        var ok = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out parsed),
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out parsed),
            _ => (parsed = 0) != 0,
        };
        if (!ok || parsed < min || parsed > max)
        {
            throw new AgentConfigurationException(key, $"must be an integer from {min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}, not {Describe(value)}");
        }

        return parsed;
    }

    private static T ReadEnum<T>(string key, JsonElement value, params (string Name, T Value)[] choices)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        foreach (var (name, choice) in choices)
        {
            // The Java agent's enum reader is case-insensitive.
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        throw new AgentConfigurationException(key, $"must be one of {string.Join(", ", choices.Select(c => c.Name))}, not {Describe(value)}");
    }

    private static string Describe(JsonElement value) => value.ValueKind == JsonValueKind.String ? $"'{value.GetString()}'" : value.GetRawText();
}
