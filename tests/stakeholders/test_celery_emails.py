"""Moderation emails travel through the real broker and worker."""

import time

import pytest
from django.core import mail

from stakeholders.models import ModerationEvent
from stakeholders.services import Decision, workspace_decide, workspaces_remind
from tests.cities.test_celery_worker import worker  # noqa: F401 -- the real worker fixture


def _wait_for_mail(to: str, timeout: float = 20):
    """The first email to this address; the broker may also hold earlier tests' messages."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(mail.outbox):
            if message.to == [to]:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no email to {to} after {timeout} s: {[m.to for m in mail.outbox]}")


def test_a_decision_is_emailed_by_the_worker_after_commit(worker, pending, mona):  # noqa: F811
    workspace_decide(workspace=pending, by=mona, decision=Decision.APPROVE)
    message = _wait_for_mail("alice@example.org")
    assert "approved" in message.subject
    event = pending.events.get(action=ModerationEvent.Action.APPROVED)
    assert event.notified_at is not None


@pytest.mark.usefixtures("worker")
def test_the_beat_task_reminds_through_the_worker(workspace):
    from datetime import timedelta

    from django.utils import timezone

    from stakeholders.models import Workspace
    from stakeholders.tasks import remind_unconfirmed_workspaces

    Workspace.objects.filter(pk=workspace.pk).update(
        last_confirmed_at=timezone.now() - timedelta(days=400)
    )
    result = remind_unconfirmed_workspaces.delay()
    assert result.get(timeout=20) >= 1
    assert "still up to date" in _wait_for_mail("alice@example.org").subject
    assert workspaces_remind() == 0
