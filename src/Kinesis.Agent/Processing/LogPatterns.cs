namespace Kinesis.Agent.Processing;

/// <summary>
/// The line patterns of the Java agent's log formats, built from the same grok-style pieces so that a line matches
/// here exactly when it matches there. Character classes are spelled in ASCII (<c>[0-9]</c>, <c>[A-Za-z0-9_]</c>)
/// because Java's <c>\d</c> and <c>\w</c> are ASCII-only while .NET's are not.
/// </summary>
internal static class LogPatterns
{
    private const string Digits = "[0-9]";
    private const string WordChar = "[A-Za-z0-9_]";
    private const string Integer = "(?:[+-]?(?:" + Digits + "+))";
    private const string PositiveInteger = "(?:[1-9]" + Digits + "*)";
    private const string NonNegativeInteger = "(?:" + Digits + "+)";
    private const string Word = WordChar + "+";
    private const string NoQuote = "[^\"]+";
    private const string Ip = "(?:[0-9.]+)";
    private const string HostName = "(?:[A-Za-z0-9_\\-]+)(?:\\.(?:[A-Za-z0-9_\\-]+))*(?:\\.?|\\b)";
    private const string IpOrHost = "(?:" + HostName + "|" + Ip + ")";
    private const string UriHost = "(?:" + IpOrHost + "(?::" + PositiveInteger + ")?)";
    private const string User = "(?:[a-zA-Z0-9._-]+)";
    private const string MonthDay = "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])";
    private const string Day = "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)";
    private const string Month = "\\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\b";
    private const string Year = "(?:[1-9]" + Digits + "*)";
    private const string Hour = "(?:2[0123]|[01]?[0-9])";
    private const string Minute = "(?:[0-5][0-9])";
    private const string Second = "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)";
    private const string Time = "(?:" + Hour + ":" + Minute + ":" + Second + ")";
    private const string HttpDate = "(?:" + MonthDay + "/" + Month + "/" + Year + ":" + Time + "\\s" + Integer + ")";
    private const string ErrorLogTimestamp = "(?:" + Day + "\\s+" + Month + "\\s+" + MonthDay + "\\s+" + Time + "\\s+" + Year + ")";
    private const string SyslogTimestamp = "(?:" + Month + "\\s+" + MonthDay + "\\s+" + Time + ")";
    private const string Rfc3339 = "(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?)(?:Z|(?:[-+][0-9]{2}:[0-9]{2}))";

    // "<facility.priority>" as some syslog daemons write it; the '.' is any character, as in the Java pattern.
    private const string SyslogFacility = "<" + NonNegativeInteger + "." + NonNegativeInteger + ">";
    private const string SyslogProgram = "([A-Za-z0-9_._/%-]+)(?:\\[(" + PositiveInteger + ")\\])?";

    /// <summary>COMMONAPACHELOG: 7 groups; anything may follow the bytes field.</summary>
    public const string CommonApacheLog = "^(" + IpOrHost + ") (" + User + ") (" + User + ") \\[(" + HttpDate + ")\\] \"(" + NoQuote + ")\" (" + Integer + "|\\-) (" + Integer + "|\\-)";

    /// <summary>COMBINEDAPACHELOG: 9 groups; anything may follow the agent field.</summary>
    public const string CombinedApacheLog = CommonApacheLog + " \"(" + NoQuote + ")\" \"(" + NoQuote + ")\"";

    /// <summary>APACHEERRORLOG: 7 groups (module and thread id optional).</summary>
    public const string ApacheErrorLog = "^\\[(" + ErrorLogTimestamp + ")\\] \\[(?:(" + Word + "):)?(" + Word + ")\\] \\[pid (" + NonNegativeInteger + ")(?::tid (" + NonNegativeInteger + "))?\\] \\[client (" + UriHost + ")\\] (.*)";

    /// <summary>SYSLOG (RFC 3164 as daemons write it to files): 5 groups (process id optional).</summary>
    public const string Syslog = "^(" + SyslogTimestamp + ") (?:" + SyslogFacility + " )?(" + User + ") " + SyslogProgram + ": (.*)";

    /// <summary>RFC3339SYSLOG: SYSLOG with an RFC 3339 timestamp.</summary>
    public const string Rfc3339Syslog = "^(" + Rfc3339 + ") (?:" + SyslogFacility + " )?(" + User + ") " + SyslogProgram + ": (.*)";

    /// <summary>
    /// RFC5424SYSLOG (this agent only): <c>&lt;PRI&gt;VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]</c>,
    /// 9 groups; structured data is <c>-</c> or one or more bracketed elements whose quoted values may hold escaped characters.
    /// </summary>
    public const string Rfc5424Syslog = "^<([0-9]{1,3})>([1-9][0-9]{0,2}) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (-|(?:\\[(?:[^\\]\"]|\"(?:[^\"\\\\]|\\\\.)*\")*\\])+)(?: (.*))?";
}
