using Cms.Application.Common;

namespace Cms.Application.Staff;

public interface IStaffQueries
{
    Task<Page<StaffDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);
}
