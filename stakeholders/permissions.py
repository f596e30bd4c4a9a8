"""Who may see and do what with a workspace: the one place these rules live.

Pages, the API and the services all ask here. Officials and partners read what
the public reads; only the owner (or their organisation's admins) and the
moderators see a workspace that is not published, or contact details the maker
has not made public.
"""

from stakeholders.models import Membership, Workspace


def can_moderate(user) -> bool:
    return user.is_authenticated and user.is_moderator


def can_edit_workspace(user, workspace: Workspace) -> bool:
    if not user.is_authenticated:
        return False
    if workspace.owner_id is not None and workspace.owner_id == user.pk:
        return True
    if (
        workspace.organisation_id is not None
        and user.memberships.filter(
            organisation_id=workspace.organisation_id, role=Membership.Role.ADMIN
        ).exists()
    ):
        return True
    return can_moderate(user)


def can_view_workspace(user, workspace: Workspace) -> bool:
    # A closed workspace stays readable (its page says it is closed), out of the directory.
    if workspace.status == Workspace.Status.APPROVED:
        return True
    return can_edit_workspace(user, workspace)


def can_see_contact(user, workspace: Workspace) -> bool:
    return workspace.contact_public or can_edit_workspace(user, workspace)
