using Microsoft.Extensions.Options;

namespace Kinesis.Client.Hosting;

/// <summary>Validates <see cref="KinesisConsumerOptions"/> with <see cref="KinesisConsumerOptions.Validate"/>.</summary>
internal sealed class KinesisConsumerOptionsValidator : IValidateOptions<KinesisConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, KinesisConsumerOptions options)
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
