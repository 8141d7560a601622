using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Kinesis.Client.Leases;

/// <summary>Decides which DynamoDB failures are transient: throttling, 5xx and network faults. A failed condition never is.</summary>
internal static class DynamoDbRetryClassifier
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
    };

    public static bool IsThrottling(Exception exception) => exception switch
    {
        ProvisionedThroughputExceededException or RequestLimitExceededException => true,
        AmazonServiceException { ErrorCode: { } code } when ThrottlingCodes.Contains(code) => true,
        AmazonServiceException { StatusCode: HttpStatusCode.TooManyRequests } => true,
        _ => false,
    };

    public static bool IsRetryable(Exception exception) => exception switch
    {
        ConditionalCheckFailedException or ResourceNotFoundException => false,
        _ when IsThrottling(exception) => true,
        InternalServerErrorException => true,
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        HttpRequestException or IOException or TimeoutException => true,
        AmazonClientException { InnerException: HttpRequestException or IOException } => true,
        _ => false,
    };
}
