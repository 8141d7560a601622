namespace Kinesis.Producer;

/// <summary>Root of the exceptions the producer throws for records it could not put.</summary>
public class KinesisProducerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KinesisProducerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public KinesisProducerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
