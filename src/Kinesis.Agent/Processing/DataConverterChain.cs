using Kinesis.Agent.Configuration;

namespace Kinesis.Agent.Processing;

/// <summary>
/// A flow's <c>dataProcessingOptions</c> in order, each applied to the output of the one before, as the Java agent
/// chains them: a converter that filters the record out ends the chain; one that throws makes the chain send the
/// record unconverted (the Java agent's fallback to raw data), reported to the caller to log and count.
/// </summary>
internal sealed class DataConverterChain
{
    private readonly DataConverter[] converters;

    public DataConverterChain(IReadOnlyList<DataProcessingOption> options, TimeProvider time)
    {
        converters = new DataConverter[options.Count];
        for (var i = 0; i < options.Count; i++)
        {
            converters[i] = Create(options[i], time);
        }
    }

    /// <summary>Whether the chain does nothing (no options): the line is sent as read.</summary>
    public bool IsEmpty => converters.Length == 0;

    /// <summary>
    /// Builds the converter of one option.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or bad; <see cref="ArgumentException.ParamName"/> is its key.</exception>
    public static DataConverter Create(DataProcessingOption option, TimeProvider time) => option.OptionName switch
    {
        DataProcessingOption.SingleLine => new SingleLineConverter(option.NoTrim, option.EscapeNewLine),
        DataProcessingOption.CsvToJson => new CsvToJsonConverter(
            option.CustomFieldNames ?? throw new ArgumentException("required: the names of the columns", "customFieldNames"),
            option.Delimiter,
            option.JsonFormat),
        DataProcessingOption.LogToJson => new LogToJsonConverter(
            LogParser.Create(option.LogFormat ?? throw new ArgumentException("required", "logFormat"), option.MatchPattern, option.CustomFieldNames),
            option.JsonFormat),
        DataProcessingOption.AddMetadata => new AddMetadataConverter(option.Metadata, option.Timestamp, option.JsonFormat, time),
        _ => throw new ArgumentException($"'{option.OptionName}' is not a processing option (SINGLELINE, CSVTOJSON, LOGTOJSON, ADDMETADATA)", "optionName"),
    };

    /// <summary>
    /// The record after every option: null when filtered out. When a converter throws, the result is
    /// <paramref name="data"/> unconverted and <paramref name="error"/> says why.
    /// </summary>
    public byte[]? Convert(byte[] data, out Exception? error)
    {
        error = null;
        var result = data;
        foreach (var converter in converters)
        {
            try
            {
                result = converter.Convert(result);
            }
            catch (Exception ex)
            {
                error = ex;
                return data;
            }

            if (result is null)
            {
                return null;
            }
        }

        return result;
    }
}
