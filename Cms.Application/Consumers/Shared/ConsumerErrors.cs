using Cms.Domain.Common;

namespace Cms.Application.Consumers;

internal static class ConsumerErrors
{
    public static readonly Error Erased =
        Error.Conflict("consumer.erased", "The consumer's personal data has been erased; it can no longer be changed.");
}
