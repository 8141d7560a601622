using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Kinesis;

/// <summary>Binds options from configuration so that a value a setter rejects fails host start-up with the setter's own message.</summary>
internal static class OptionsBinding
{
    /// <summary>
    /// Like <c>OptionsBuilder.Bind</c>, but the binder's <see cref="TargetInvocationException"/> around a setter's
    /// <see cref="ArgumentException"/> ("RateLimit must be between 1 and 100000; it was 0.") is unwrapped, so start-up fails
    /// with one clear message instead of "Exception has been thrown by the target of an invocation".
    /// </summary>
    public static OptionsBuilder<TOptions> BindRejectingInvalidValues<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration configuration)
        where TOptions : class =>
        builder.Configure(options =>
        {
            try
            {
                configuration.Bind(options);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is ArgumentException rejected)
            {
                ExceptionDispatchInfo.Capture(rejected).Throw();
            }
        });
}
