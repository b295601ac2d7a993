using Cms.Application.Abstractions;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Mediator;

namespace Cms.Application.Complaints.AssignComplaint;

/// <summary>Assigns a complaint to a staff member who handles complaints. An agent may only take a complaint for itself.</summary>
public sealed record AssignComplaintCommand(Guid ComplaintId, long ExpectedVersion, Guid AssigneeId)
    : ICommand<Result<ComplaintDto>>, IComplaintTransition
{
    UseCase IUseCaseMessage.UseCase => UseCase.AssignComplaint;
}

public sealed class AssignComplaintValidator : IValidator<AssignComplaintCommand>
{
    public void Validate(AssignComplaintCommand request, ValidationErrors errors) => errors.Id("assigneeId", request.AssigneeId);
}

internal sealed class AssignComplaintHandler(
    IStaffRepository staff, IComplaintRepository complaints, IComplaintQueries queries, CallerContext caller, AuditTrail audit,
    TimeProvider clock)
    : ComplaintTransitionHandler<AssignComplaintCommand>(complaints, queries, caller, audit, clock)
{
    private static readonly Role[] HandlingRoles = [Role.Agent, Role.Supervisor, Role.TenantAdmin];

    protected override string Action => "complaint.assigned";

    protected override async ValueTask<Result> ApplyAsync(Complaint complaint, AssignComplaintCommand command, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var self = Caller.RequiredStaff;
        if (!Permissions.ActsOnAnyComplaint(self) && command.AssigneeId != self.Id)
        {
            return Error.Forbidden("An agent may assign a complaint only to themselves; supervisors assign others.");
        }

        var assignee = await staff.GetAsync(command.AssigneeId, cancellationToken);
        if (assignee is null)
        {
            return Error.NotFound("staff");
        }

        if (!assignee.HasAnyRole(HandlingRoles))
        {
            return Error.Conflict("complaint.assignee_cannot_handle",
                "The assignee must be an active staff member with the agent, supervisor or tenant_admin role.");
        }

        return complaint.Assign(assignee.Id, now);
    }
}
