using System.Security.Cryptography;
using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Calendar;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Queues;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Domain.Taxonomies;
using Cms.Domain.Tenants;
using Cms.Infrastructure.Crypto;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Persistence;

internal static class TenantGuard
{
    public static Guid Check(TenantScope scope, Guid entityTenantId)
    {
        var tenantId = scope.Required;
        if (entityTenantId != tenantId)
        {
            throw new InvalidOperationException("An entity of another tenant cannot be written in this request.");
        }

        return tenantId;
    }
}
