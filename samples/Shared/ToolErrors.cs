using Amazon.Runtime;

namespace Kinesis.Samples.Shared;

/// <summary>An exception as one line for a tool's stderr: its message and its causes', without stack traces.</summary>
internal static class ToolErrors
{
    /// <summary>
    /// The messages of <paramref name="exception"/> and its inner exceptions joined by ": ", skipping the SDK's
    /// placeholders ("see inner exception", "exception of type ... was thrown") and repeats; a service error starts
    /// with its error code (or its type and HTTP status when the SDK could not read an error code).
    /// </summary>
    public static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = ToolCommandLine.OneLine(current.Message);
            if (message.Contains("See inner exception", StringComparison.OrdinalIgnoreCase) || message.StartsWith("Exception of type ", StringComparison.Ordinal))
            {
                message = "";
            }

            if (current is AmazonServiceException service)
            {
                // An error the SDK could not parse (a wrong endpoint answering for another service) has only a status.
                var code = string.IsNullOrEmpty(service.ErrorCode) ? service.GetType().Name : service.ErrorCode;
                var status = service.StatusCode == 0 ? "" : $" (HTTP {(int)service.StatusCode})";
                message = message.Length == 0 ? $"{code}{status}" : message.StartsWith(code, StringComparison.Ordinal) ? message : $"{code}: {message}";
            }

            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        // "Stream 'x' was not found.: ListShards failed" reads badly; a cause follows a message without its full stop.
        return parts.Count > 0 ? string.Join(": ", parts.Select((p, i) => i < parts.Count - 1 ? p.TrimEnd('.') : p)) : exception.GetType().Name;
    }
}
