namespace Kinesis.Producer;

/// <summary>What <see cref="KinesisProducer.PutAsync"/> does when the outstanding bounds are reached.</summary>
public enum ProducerFullMode
{
    /// <summary>Wait (asynchronously, cancellable) until records resolve and room frees up.</summary>
    Wait,

    /// <summary>Fail at once with <see cref="ProducerFullException"/>.</summary>
    Throw,
}
