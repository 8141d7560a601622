using Microsoft.Extensions.Logging;

namespace Kinesis.Core.Metrics;

/// <summary>The log event that carries an EMF document.</summary>
internal static partial class EmfLog
{
    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "{EmfDocument}")]
    public static partial void Document(ILogger logger, string emfDocument);
}
