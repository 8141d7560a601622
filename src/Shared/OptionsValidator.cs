using Microsoft.Extensions.Options;

namespace Kinesis;

/// <summary>
/// Turns an options class's own <c>Validate()</c> into options validation, so a bad setting fails host start-up with its
/// name and range (the producer's and the consumer's hosting register one each).
/// </summary>
internal sealed class OptionsValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
