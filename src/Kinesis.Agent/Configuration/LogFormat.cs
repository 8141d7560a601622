namespace Kinesis.Agent.Configuration;

/// <summary>The <c>logFormat</c> of a LOGTOJSON processing option: which lines it parses and the field names it gives.</summary>
public enum LogFormat
{
    /// <summary><c>COMMONAPACHELOG</c>: host, ident, authuser, datetime, request, response, bytes (a <c>-</c> becomes null).</summary>
    CommonApacheLog,

    /// <summary><c>COMBINEDAPACHELOG</c>: the common fields, then referer and agent (a <c>-</c> becomes null).</summary>
    CombinedApacheLog,

    /// <summary><c>APACHEERRORLOG</c>: timestamp, module, severity, processid, threadid, client, message (a <c>-</c> becomes null).</summary>
    ApacheErrorLog,

    /// <summary><c>SYSLOG</c> (also accepted as <c>RFC3164SYSLOG</c>): timestamp, hostname, program, processid, message.</summary>
    Syslog,

    /// <summary><c>RFC3339SYSLOG</c>: as <see cref="Syslog"/> with an RFC 3339 timestamp (rsyslog's high-precision file format).</summary>
    Rfc3339Syslog,

    /// <summary>
    /// <c>RFC5424SYSLOG</c> (this agent only): priority, version, timestamp, hostname, program, processid, messageid,
    /// structureddata, message; a nil value (<c>-</c>) becomes null.
    /// </summary>
    Rfc5424Syslog,
}
