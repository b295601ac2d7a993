using Cms.Application.Common;

namespace Cms.Application.Staff;

public interface IStaffQueries
{
    Task<StaffDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);
}
