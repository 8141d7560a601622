using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Kinesis.Client.Coordination;
using Kinesis.Core.Api;

namespace Kinesis.Client.Tests.Coordination;

/// <summary>What start-up retries (until StartTimeout) and what fails it at once, decided without I/O.</summary>
public sealed class ConsumerStartupClassifyTests
{
    public static TheoryData<Exception, string> Cases => new()
    {
        // No connection: the endpoint is wrong or down.
        { Network(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused))), nameof(ConsumerStartup.ErrorClass.Unreachable) },
        { Network(new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known (nowhere.invalid:443)")), nameof(ConsumerStartup.ErrorClass.Unreachable) },
        { Network(new TaskCanceledException("canceled", new TimeoutException("A connection could not be established within the configured ConnectTimeout."))), nameof(ConsumerStartup.ErrorClass.Unreachable) },
        { new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:2)"), nameof(ConsumerStartup.ErrorClass.Unreachable) },
        { new TimeoutException("A connection could not be established within the configured ConnectTimeout."), nameof(ConsumerStartup.ErrorClass.Unreachable) },
        { new AmazonServiceException("wrapped", new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established")), nameof(ConsumerStartup.ErrorClass.Unreachable) },

        // Transient: retried until the start timeout.
        { Network(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.")), nameof(ConsumerStartup.ErrorClass.Transient) },
        { new KinesisApiException(KinesisErrorKind.Timeout, KinesisErrorCodes.RequestTimeout, "no answer"), nameof(ConsumerStartup.ErrorClass.Transient) },
        { new TimeoutException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."), nameof(ConsumerStartup.ErrorClass.Transient) },
        { Service(KinesisErrorCodes.ServiceUnavailable, 503), nameof(ConsumerStartup.ErrorClass.Transient) },
        { Service(KinesisErrorCodes.LimitExceeded, 400), nameof(ConsumerStartup.ErrorClass.Transient) },
        { new ProvisionedThroughputExceededException("throttled"), nameof(ConsumerStartup.ErrorClass.Transient) },
        { new AmazonServiceException("internal", ErrorType.Receiver, "InternalServerError", "id", HttpStatusCode.InternalServerError), nameof(ConsumerStartup.ErrorClass.Transient) },

        // Permanent: a retry does not change the answer.
        { Service(KinesisErrorCodes.ResourceNotFound, 400), nameof(ConsumerStartup.ErrorClass.Permanent) },
        { Service("AccessDeniedException", 400), nameof(ConsumerStartup.ErrorClass.Permanent) },
        { new KinesisApiException(KinesisErrorKind.Credentials, KinesisErrorCodes.CredentialsUnavailable, "no credentials"), nameof(ConsumerStartup.ErrorClass.Permanent) },
        { new AmazonServiceException("The security token included in the request is invalid.", ErrorType.Sender, "UnrecognizedClientException", "id", HttpStatusCode.BadRequest), nameof(ConsumerStartup.ErrorClass.Permanent) },
        { new ResourceNotFoundException("no table"), nameof(ConsumerStartup.ErrorClass.Permanent) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_Failure_IsRetriedOnlyWhenTransient(Exception exception, string expected)
    {
        Assert.Equal(expected, ConsumerStartup.Classify(exception).ToString());
    }

    private static KinesisApiException Network(Exception inner) =>
        new(KinesisErrorKind.Network, KinesisErrorCodes.NetworkError, "DescribeStreamSummary failed on the network: " + inner.Message, innerException: inner);

    private static KinesisApiException Service(string code, int status) =>
        new(KinesisErrorKind.Service, code, $"DescribeStreamSummary failed with {code} (HTTP {status}): injected", status);
}
