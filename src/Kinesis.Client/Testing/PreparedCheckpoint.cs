namespace Kinesis.Client.Testing;

/// <summary>A two-phase checkpoint a processor prepared, as recorded by <see cref="RecordingCheckpointer"/>.</summary>
/// <param name="Position">Where the checkpoint was prepared.</param>
/// <param name="ApplicationState">The application state stored with it, or <see langword="null"/>.</param>
public sealed record PreparedCheckpoint(ExtendedSequenceNumber Position, ReadOnlyMemory<byte>? ApplicationState);
