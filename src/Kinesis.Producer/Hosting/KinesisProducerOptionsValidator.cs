using Microsoft.Extensions.Options;

namespace Kinesis.Producer.Hosting;

/// <summary>Turns <see cref="KinesisProducerOptions.Validate"/> into options validation, so a bad setting fails host start-up with its name and range.</summary>
internal sealed class KinesisProducerOptionsValidator : IValidateOptions<KinesisProducerOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisProducerOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
