namespace Kinesis.LocalServices;

/// <summary>Thrown when a local emulator cannot be installed or started.</summary>
public sealed class LocalServicesException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LocalServicesException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public LocalServicesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
