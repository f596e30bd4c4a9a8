"""Partner datasets: made by an organisation's administrators, written only with its tokens.

A bulk write (`POST /api/v1/datasets/<slug>/<kind>/bulk`) goes through `bulk_write_with_token`:
it checks the dataset is the token's organisation's, replays the first answer to a retry
sent with the same `Idempotency-Key`, runs the write through the import pipeline
(cities/gis_io/bulk.py) and records it in the organisation's audit (`ApiWrite`), all in one
transaction: a refused write leaves nothing, not even its key.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from http import HTTPStatus
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.gis_io.bulk import (
    BulkConflict,
    BulkRejected,
    BulkRequest,
    BulkRequestInvalid,
    bulk_write,
    parse_bulk_body,
)
from cities.gis_io.commit import dataset_create
from cities.jobs import JobFailed, job_enqueue, register_job_kind
from cities.models import City, Dataset, Job
from cities.tile_versions import forget_all_tiles
from stakeholders.models import ApiToken, ApiWrite, IdempotentRequest, Organisation, PartnerDataset
from stakeholders.tokens import can_manage_tokens, token_for_secret

# A retry is recognised for this long after the first request.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
PARTNER_QUALITIES = (Dataset.Quality.OFFICIAL, Dataset.Quality.PARTIAL, Dataset.Quality.COMMUNITY)


def can_manage_datasets(user, organisation: Organisation) -> bool:
    """Who makes an organisation's datasets: those who make its tokens."""
    return can_manage_tokens(user, organisation)


@transaction.atomic
def partner_dataset_create(
    *,
    organisation: Organisation,
    by,
    name: str,
    city: City,
    licence: str,
    quality: str,
    source: str = "",
    description: str = "",
    embargo_until: date | None = None,
) -> PartnerDataset:
    if not can_manage_datasets(by, organisation):
        raise PermissionDenied
    if quality not in PARTNER_QUALITIES:
        raise ValidationError(_("Choose how the data was made."))
    check_embargo(embargo_until)
    dataset = dataset_create(
        values={"name": name.strip(), "publisher": organisation.name, "licence": licence.strip(),
                "source": source.strip(), "description": description.strip(),
                "quality": quality, "embargo_until": embargo_until},
        user=by,
    )  # fmt: skip
    return PartnerDataset.objects.create(
        dataset=dataset, organisation=organisation, city=city, created_by=by
    )


EMBARGO_MAX_DAYS = 730  # two years: what research funders commonly allow


def check_embargo(until: date | None) -> None:
    today = timezone.now().date()
    if until is not None and not today < until <= today + timedelta(days=EMBARGO_MAX_DAYS):
        raise ValidationError(
            _("An embargo ends after today and within two years (by %(last)s).")
            % {"last": (today + timedelta(days=EMBARGO_MAX_DAYS)).isoformat()}
        )


@transaction.atomic
def dataset_embargo_set(*, partner: PartnerDataset, until: date | None, by) -> PartnerDataset:
    """Put the dataset under embargo until a day, move that day, or lift it (None): its rows
    leave or join the public maps, tiles, files and API at once."""
    if not can_manage_datasets(by, partner.organisation):
        raise PermissionDenied
    check_embargo(until)
    dataset = Dataset.objects.select_for_update().get(pk=partner.dataset_id)
    dataset.embargo_until = until
    dataset.save(update_fields=["embargo_until"])
    partner.dataset = dataset
    forget_all_tiles()
    return partner


def writable_dataset(token: ApiToken, slug: str) -> PartnerDataset:
    """The partner dataset `slug` if the token's organisation owns it.

    Raises Dataset.DoesNotExist (a 404), or PermissionDenied for another's dataset (a 403).
    """
    owned = PartnerDataset.objects.select_related("dataset", "city", "organisation").filter(
        dataset__slug=slug
    )
    partner = owned.first()
    if partner is None:
        if Dataset.objects.filter(slug=slug).exists():
            raise PermissionDenied(_("Only a partner's own datasets take bulk writes."))
        raise Dataset.DoesNotExist
    if partner.organisation_id != token.organisation_id:
        raise PermissionDenied(_("This dataset belongs to another organisation."))
    return partner


@dataclass
class Answer:
    status: int
    body: dict
    replayed: bool = False
    headers: dict = field(default_factory=dict)


class IdempotencyKeyReused(ValueError):
    """The key came with another request before (a 422)."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def bulk_write_with_token(
    *,
    token: ApiToken,
    partner: PartnerDataset,
    kind: str,
    request: BulkRequest,
    dry_run: bool,
    key: str,
    request_fingerprint: str,
    ip: str | None,
    key_claimed: bool = False,
    max_rows: int | None = None,
) -> Answer:
    """Write, or replay the answer to the request first sent with `key`.

    Writes into one dataset take turns (a lock on the dataset for the transaction), so two
    overlapping requests cannot deadlock on each other's rows. A dry run neither claims
    nor keeps its key: the real request may follow with it. Raises what bulk_write raises
    (nothing is then kept), BulkConflict for a rule of the database broken at commit,
    DatasetBusy and IdempotencyKeyReused.
    """
    key = "" if dry_run else key
    try:
        with transaction.atomic():
            _take_turn(partner)
            if key and not key_claimed:
                replay = _claim(token, key, request_fingerprint)
                if replay is not None:
                    return replay
            result = bulk_write(
                kind=kind, dataset=partner.dataset, city=partner.city, request=request,
                user=None, dry_run=dry_run, max_rows=max_rows,
            )  # fmt: skip
            body = result.as_dict()
            if not dry_run:
                ApiWrite.objects.create(
                    organisation=token.organisation, token=token, token_label=str(token),
                    dataset=partner.dataset, dataset_slug=partner.dataset.slug, kind=kind,
                    received=result.received, idempotency_key=key, ip=ip,
                    changes={"created": result.created, "updated": result.updated,
                             "deleted": result.deleted},
                )  # fmt: skip
            if key and not key_claimed:
                IdempotentRequest.objects.filter(token=token, key=key).update(status=200, body=body)
            return Answer(200, body)
    except IntegrityError:
        # Checked at commit (foreign keys of other records, the sites' year rule).
        raise BulkConflict(
            _(
                "The write breaks a rule of the data (other records refer to these rows, or "
                "a site closes before it opens); nothing was written."
            )
        ) from None
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", "") in ("55P03", "40P01"):  # lock timeout, deadlock
            raise DatasetBusy from None
        raise


class DatasetBusy(Exception):
    """Another write into the dataset holds it for longer than a request waits (a 503)."""


# How long a write waits for the one before it into the same dataset.
TURN_TIMEOUT_S = 30


def _take_turn(partner: PartnerDataset) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{TURN_TIMEOUT_S}s'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PARTNER_LOCKS, partner.pk])


# The first key of the advisory locks partner datasets take (the second is the dataset).
PARTNER_LOCKS = 7401


def _claim(token: ApiToken, key: str, request_fingerprint: str) -> Answer | None:
    """Hold the key for this transaction; the stored answer when a first request had it.

    A second request with the key waits here until the first commits (then replays its
    answer) or rolls back (then takes the key itself).
    """
    IdempotentRequest.objects.filter(
        token=token, created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO stakeholders_idempotentrequest"
            " (token_id, key, fingerprint, status, body, created_at)"
            " VALUES (%s, %s, %s, 0, '{}', now()) ON CONFLICT (token_id, key) DO NOTHING"
            " RETURNING id",
            [token.pk, key, request_fingerprint],
        )
        if cursor.fetchone() is not None:
            return None
    stored = IdempotentRequest.objects.get(token=token, key=key)
    return _replay(stored, request_fingerprint)


def _replay(stored: IdempotentRequest, request_fingerprint: str) -> Answer:
    if stored.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was sent with another request: use a new key.")
        )
    return Answer(stored.status, stored.body, replayed=True)


def organisation_writes(organisation: Organisation, limit: int = 20):
    return ApiWrite.objects.filter(organisation=organisation).select_related("token")[:limit]


# ---- Larger loads: a job of the import pipeline ---------------------------------------------

# A request of more rows than a request holds (MAX_ROWS) is written by a job, up to this.
JOB_MAX_ROWS = 200_000


def _bulk_root() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "bulk"


def bulk_write_later(
    *,
    token: ApiToken,
    partner: PartnerDataset,
    kind: str,
    raw: bytes,
    content_type: str,
    dry_run: bool,
    key: str,
    request_fingerprint: str,
    ip: str | None,
) -> Answer:
    """Keep the body and queue a job that writes it as a request would (all or nothing, the
    same checks, audit and answer). Answers 202 with the job; a retry with the same key
    replays that answer."""
    key = "" if dry_run else key
    with transaction.atomic():
        if key:
            replay = _claim(token, key, request_fingerprint)
            if replay is not None:
                return replay
        name = f"{uuid.uuid4().hex}.body"
        _bulk_root().mkdir(parents=True, exist_ok=True)
        (_bulk_root() / name).write_bytes(raw)
        job = job_enqueue(
            kind="partner_bulk",
            city=partner.city,
            params={
                "token": token.pk, "partner": partner.pk, "kind": kind, "body": name,
                "content_type": content_type, "dry_run": dry_run, "key": key,
                "fingerprint": request_fingerprint, "ip": ip,
            },
        )  # fmt: skip
        body = {"job": job.pk, "status": job.status, "dataset": partner.dataset.slug, "kind": kind}
        if key:
            IdempotentRequest.objects.filter(token=token, key=key).update(status=202, body=body)
    return Answer(202, body)


@register_job_kind("partner_bulk", queue="imports")
def _partner_bulk_job(job: Job, progress) -> dict:
    """The write a request queued. Its result is the answer the request would have had:
    `{"status": 200, "body": {...}}`, or a refusal's status and problem details (the job
    then fails, saying why)."""
    params = job.params
    path = _bulk_root() / Path(params["body"]).name
    token = ApiToken.objects.select_related("organisation").filter(pk=params["token"]).first()
    partner = (
        PartnerDataset.objects.select_related("dataset", "city")
        .filter(pk=params["partner"])
        .first()
    )
    try:
        if token is None or not token.is_active or partner is None:
            _refused(job, 403, _("The token was revoked, or the dataset deleted, before the "
                                 "write ran: nothing was written."))  # fmt: skip
        progress(5, _("Reading the rows"))
        try:
            request = parse_bulk_body(path.read_bytes(), params["content_type"], params["kind"])
        except BulkRequestInvalid as exc:
            _refused(job, 400, str(exc))
        progress(15, _("Checking and writing %(n)s rows") % {"n": f"{request.size:,}"})
        try:
            answer = bulk_write_with_token(
                token=token, partner=partner, kind=params["kind"], request=request,
                dry_run=params["dry_run"], key=params["key"],
                request_fingerprint=params["fingerprint"], ip=params["ip"],
                key_claimed=True, max_rows=JOB_MAX_ROWS,
            )  # fmt: skip
        except BulkRejected as exc:
            _refused(job, 422, _("%(n)s problems; nothing was written.") % {"n": exc.total},
                     errors=[p.as_dict() for p in exc.problems], error_count=exc.total)  # fmt: skip
        except BulkConflict as exc:
            _refused(job, 409, str(exc))
        except DatasetBusy:
            _refused(job, 503, _("Another write into this dataset held it too long; send "
                                 "the request again."))  # fmt: skip
        return {"status": 200, "body": answer.body}
    finally:
        path.unlink(missing_ok=True)


def _refused(job: Job, status: int, detail: str, **extra) -> None:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail, **extra}  # fmt: skip
    Job.objects.filter(pk=job.pk).update(result={"status": status, "body": body})
    raise JobFailed(detail[:500])


def embargoed_datasets_readable_by(request) -> list[int]:
    """The datasets under embargo a request may read: those of its token's organisation
    (the API's, or a bearer token sent to /ogc/ by QGIS or GDAL), or of the organisations
    the signed-in person belongs to. Registered with cities.visibility at start-up."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        token = None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() == "bearer ":
            token = token_for_secret(header[7:].strip())
    today = timezone.now().date()
    if token is not None:
        if not token.is_active:
            return []
        owned = PartnerDataset.objects.filter(organisation_id=token.organisation_id)
    else:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.pk:
            return []
        owned = PartnerDataset.objects.filter(organisation__memberships__user=user)
    return list(owned.filter(dataset__embargo_until__gt=today).values_list("dataset_id", flat=True))
