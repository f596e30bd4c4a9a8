"""Partner datasets: made by an organisation's administrators, written only with its tokens.

A bulk write (`POST /api/v1/datasets/<slug>/<kind>/bulk`) goes through `bulk_write_with_token`:
it checks the dataset is the token's organisation's, replays the first answer to a retry
sent with the same `Idempotency-Key`, runs the write through the import pipeline
(cities/gis_io/bulk.py) and records it in the organisation's audit (`ApiWrite`), all in one
transaction: a refused write leaves nothing, not even its key.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.gis_io.bulk import BulkConflict, BulkRequest, bulk_write
from cities.gis_io.commit import dataset_create
from cities.models import City, Dataset
from stakeholders.models import ApiToken, ApiWrite, IdempotentRequest, Organisation, PartnerDataset
from stakeholders.tokens import can_manage_tokens

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
) -> PartnerDataset:
    if not can_manage_datasets(by, organisation):
        raise PermissionDenied
    if quality not in PARTNER_QUALITIES:
        raise ValidationError(_("Choose how the data was made."))
    dataset = dataset_create(
        values={"name": name.strip(), "publisher": organisation.name, "licence": licence.strip(),
                "source": source.strip(), "description": description.strip(),
                "quality": quality},
        user=by,
    )  # fmt: skip
    return PartnerDataset.objects.create(
        dataset=dataset, organisation=organisation, city=city, created_by=by
    )


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
            if key:
                replay = _claim(token, key, request_fingerprint)
                if replay is not None:
                    return replay
            result = bulk_write(
                kind=kind, dataset=partner.dataset, city=partner.city, request=request,
                user=None, dry_run=dry_run,
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
            if key:
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
