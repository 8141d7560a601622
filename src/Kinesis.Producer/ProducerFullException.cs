namespace Kinesis.Producer;

/// <summary>Thrown by <see cref="KinesisProducer.PutAsync"/> when the outstanding bounds are reached and <see cref="KinesisProducerOptions.FullMode"/> is <see cref="ProducerFullMode.Throw"/>.</summary>
public sealed class ProducerFullException : KinesisProducerException
{
    /// <summary>Creates the exception.</summary>
    public ProducerFullException(string message)
        : base(message)
    {
    }
}
