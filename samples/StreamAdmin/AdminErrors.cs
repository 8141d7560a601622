using Kinesis.Core.Api;
using Kinesis.Samples.Shared;

namespace Kinesis.Samples.StreamAdmin;

/// <summary>
/// Turns a <see cref="KinesisApiException"/> into one line and an exit code. A stream that does not exist, an
/// endpoint that cannot be reached or is not Kinesis, refused credentials: 3 (could not start), for every sub-command. Anything the
/// service refused otherwise (ResourceInUse, LimitExceeded, InvalidArgument, an operation the endpoint lacks): 1.
/// </summary>
internal static class AdminErrors
{
    private static readonly HashSet<string> CredentialCodes = new(StringComparer.Ordinal)
    {
        "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
        "MissingAuthenticationToken", "IncompleteSignature", "ExpiredTokenException", "InvalidClientTokenId",
    };

    /// <summary>Whether the endpoint does not know the operation (kinesalite: UpdateShardCount, stream consumers).</summary>
    public static bool IsUnsupported(KinesisApiException ex) =>
        ex.Kind == KinesisErrorKind.Service && ex.ErrorCode is "UnknownOperationException" or "UnknownOperation" or "InvalidAction";

    public static AdminFailure Explain(KinesisApiException ex, string command, string? stream, Uri endpoint)
    {
        var detail = StreamCommands.OneLine(ex.Message);
        return ex.Kind switch
        {
            KinesisErrorKind.Network => new(ExitCodes.CouldNotStart, $"cannot reach Kinesis at {endpoint}: {detail}"),
            KinesisErrorKind.Timeout => new(ExitCodes.CouldNotStart, $"no answer from Kinesis at {endpoint}: {detail}"),
            KinesisErrorKind.Credentials => new(ExitCodes.CouldNotStart, $"{detail}; {ToolCredentials.MissingHint}"),
            KinesisErrorKind.MalformedResponse => new(ExitCodes.Failed, $"{endpoint} did not answer as Kinesis does (is it a Kinesis endpoint?): {detail}"),
            _ when ex.ErrorCode == KinesisErrorCodes.ResourceNotFound && stream is not null =>
                new(ExitCodes.CouldNotStart, $"stream '{stream}' does not exist at {endpoint} ({detail})"),
            _ when CredentialCodes.Contains(ex.ErrorCode) => new(ExitCodes.CouldNotStart, $"the credentials were refused: {detail}"),
            // No error type at all: the answer came from something that is not Kinesis (dynalite, a proxy, a web server).
            _ when ex.ErrorCode.StartsWith("Http", StringComparison.Ordinal) =>
                new(ExitCodes.CouldNotStart, $"{endpoint} did not answer as Kinesis does (is it a Kinesis endpoint?): {detail}"),
            _ when IsUnsupported(ex) =>
                new(ExitCodes.Failed, $"{command} is not supported by the Kinesis endpoint {endpoint} ({detail}); kinesalite lacks UpdateShardCount, UpdateMaxRecordSize, stream consumers and on-demand streams, kinesis-local and AWS have them"),
            _ => new(ExitCodes.Failed, $"{command} failed: {detail}"),
        };
    }
}
