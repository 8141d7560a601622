namespace Kinesis.LocalServices;

/// <summary>The local AWS emulators the launcher can start (see tools/local-aws/package.json for the pinned versions).</summary>
public enum LocalServiceKind
{
    /// <summary>kinesis-local (the npm build of kinesis-mock): the whole Kinesis API we use, HTTP/2 and HTTP/1.1.</summary>
    KinesisLocal,

    /// <summary>kinesalite: a fast Kinesis emulator for volume tests (HTTP/1.1 only, no stream consumers).</summary>
    Kinesalite,

    /// <summary>dynalite: a DynamoDB emulator for lease tables.</summary>
    Dynalite,
}
