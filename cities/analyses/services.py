"""Asking for, publishing and deleting analyses; who may see and do what, in one place."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.analyses.base import AnalysisKind, data_versions, params_key
from cities.jobs import job_cancel, job_enqueue
from cities.models import Analysis, City, Job

UNFINISHED = (Job.Status.QUEUED, Job.Status.RUNNING)


class AnalysisRefused(Exception):
    """The request cannot be taken now (too many running); the message says why."""


# ---- Permissions -------------------------------------------------------------------


def is_staff(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_staff or getattr(user, "is_editor", False)
             or getattr(user, "is_data_manager", False) or getattr(user, "is_moderator", False))
    )  # fmt: skip


def can_run(user, city: City) -> bool:
    """Officials of the city and project staff may run analyses on it."""
    if not user.is_authenticated:
        return False
    return is_staff(user) or city.pk in getattr(user, "official_city_ids", frozenset())


def can_manage(user, analysis: Analysis) -> bool:
    """Publish, unpublish, delete, cancel: staff and the person who asked for it."""
    if not user.is_authenticated:
        return False
    return is_staff(user) or (analysis.requested_by_id == user.pk and can_run(user, analysis.city))


def visible_analyses(user, city: City | None = None) -> QuerySet[Analysis]:
    """Published results for everyone; a city's unpublished ones for its officials and staff."""
    qs = Analysis.objects.all()
    if city is not None:
        qs = qs.filter(city=city)
    if is_staff(user):
        return qs
    if user.is_authenticated:
        cities = getattr(user, "official_city_ids", frozenset())
        return qs.filter(Q(published_at__isnull=False) | Q(city__in=cities))
    return qs.filter(published_at__isnull=False)


def can_view(user, analysis: Analysis) -> bool:
    return analysis.is_published or can_run(user, analysis.city)


# ---- Requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    analysis: Analysis
    reused: bool


def analysis_request(*, user, city: City, kind: AnalysisKind, params: dict) -> Requested:
    """The result of these parameters on the data as it is now: an existing one, or a new job.

    Raises AnalysisRefused when the person already has as many runs going as allowed.
    """
    key = params_key(kind.slug, params)
    with transaction.atomic():
        # One request at a time per person: the count of their running jobs holds.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        versions = data_versions(city, kind.inputs)
        candidates = (
            visible_analyses(user, city)
            .filter(kind=kind.slug, params_key=key)
            .exclude(job__status__in=[Job.Status.FAILED, Job.Status.CANCELLED])
            .select_related("job")
            .order_by("-published_at", "-created_at")
        )
        for existing in candidates:
            if existing.data_versions == versions:
                return Requested(existing, reused=True)
        running = Analysis.objects.filter(requested_by=user, job__status__in=UNFINISHED).count()
        limit = settings.ANALYSIS_MAX_RUNNING_PER_USER
        if running >= limit:
            raise AnalysisRefused(
                _("You already have %(n)s analyses running: wait for one to finish, "
                  "or cancel one, before you start another.") % {"n": running}
            )  # fmt: skip
        job = job_enqueue(kind=kind.job_kind, params=params, city=city, requested_by=user)
        analysis = Analysis.objects.create(
            kind=kind.slug,
            city=city,
            params=params,
            params_key=key,
            data_versions=versions,
            job=job,
            requested_by=user,
        )
    return Requested(analysis, reused=False)


def analysis_publish(*, analysis: Analysis, user, published: bool = True) -> None:
    if published and analysis.job.status != Job.Status.SUCCEEDED:
        raise AnalysisRefused(_("Only a finished result can be published."))
    Analysis.objects.filter(pk=analysis.pk).update(
        published_at=timezone.now() if published else None,
        published_by=user if published else None,
    )


def analysis_cancel(*, analysis: Analysis) -> bool:
    return job_cancel(job_id=analysis.job_id)


def analysis_delete(*, analysis: Analysis) -> None:
    """Delete a result, its features and its finished job.

    A run still going is refused (AnalysisRefused): its worker would go on writing the
    features of a result that no longer exists. It is cancelled first, then deleted.
    """
    with transaction.atomic():
        status = Job.objects.select_for_update().filter(pk=analysis.job_id)
        if status.filter(status__in=UNFINISHED).exists():
            raise AnalysisRefused(_("This analysis is still running: cancel it, then delete it."))
        job_id = analysis.job_id
        analysis.delete()
        Job.objects.filter(pk=job_id, status__in=[
            Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED
        ]).delete()  # fmt: skip


def is_stale(analysis: Analysis) -> bool:
    """Has the data the result was computed from changed since?"""
    from cities.analyses.base import get_kind

    kind = get_kind(analysis.kind)
    if kind is None or analysis.job.status != Job.Status.SUCCEEDED:
        return False
    return data_versions(analysis.city, kind.inputs) != analysis.data_versions
