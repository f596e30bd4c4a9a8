"""`POST /api/v1/datasets/<slug>/<kind>/bulk`: a partner's bulk upserts and deletes.

Answers that refuse are RFC 9457 problem details (`application/problem+json`); a refused
request wrote nothing. The work is done by stakeholders/partner_data.py.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.gis_io import bulk
from cities.gis_io.bulk import (
    KINDS,
    BulkConflict,
    BulkRejected,
    BulkRequestInvalid,
    parse_bulk_body,
)
from cities.models import Dataset, Job
from portal.api_auth import TokenScopes
from portal.problems import PROBLEM, problem_body
from stakeholders import partner_data
from stakeholders.models import ApiToken, PartnerDataset
from stakeholders.partner_data import (
    DatasetBusy,
    IdempotencyKeyReused,
    bulk_write_later,
    bulk_write_with_token,
    fingerprint,
    writable_dataset,
)

# A body of 10,000 sites with long names and addresses stays well under this.
MAX_BODY_MB = 50


def problem(status_code: int, title: str, detail: str = "", **extra) -> Response:
    body = {**problem_body(status_code, detail, **extra), "title": title}
    return Response(body, status=status_code, content_type=PROBLEM)


class BulkWriteView(APIView):
    """Upsert features by `external_id` and delete identifiers, in one dataset, all or nothing."""

    permission_classes = [IsAuthenticated, TokenScopes]

    @property
    def token_scopes(self) -> dict[str, str]:
        return {"POST": f"write:{self.kwargs.get('kind', '')}"}

    def check_permissions(self, request: Request) -> None:
        # An unknown kind has no scope to ask for: it is a 404, said by post().
        if self.kwargs.get("kind") in KINDS:
            super().check_permissions(request)

    @extend_schema(
        operation_id="datasets_bulk_write",
        summary="Upsert and delete rows of a partner dataset",
        description=(
            "All or nothing. Up to 10,000 rows and deletions are written in the request "
            "(200); up to 200,000 are written by a job of the import pipeline, answered 202 "
            "with its address (`Location`, `url`): follow it until its `result`.\n\n"
            "**Sites, zones and context features** are identified by `external_id` (or the "
            "feature's `id`). The body is a GeoJSON FeatureCollection (`application/geo+json`) "
            "whose foreign member `delete` lists identifiers to delete, or NDJSON "
            '(`application/x-ndjson`): a Feature, or `{"delete": "<external_id>"}`, on each '
            "line. A dataset's context features form one layer of its city, named after it, "
            "and keep every property.\n\n"
            "**Indicators and flows** have no identifier: a row is identified by its key "
            "(indicators: `district`, `key`, `sector`, `year`; flows: `year`, `material`, "
            '`origin`, `destination`). The body is JSON, `{"rows": [...], "delete": [...]}` with '
            "an object a row and an object of the key's fields a deletion (or a list of rows), "
            'or NDJSON: a row, or `{"delete": {...}}`, on each line. Districts, sectors and '
            "materials are given by name or code, as in an import.\n\n"
            "Each row is written with all its fields: a field left out becomes empty. "
            "`?dry_run=true` validates without writing. "
            "Send an `Idempotency-Key` header to make a retry return the first answer (for 24 "
            "hours); a refused request is not remembered, so it can be corrected and sent again "
            "with the same key."
        ),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The dataset."),
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=sorted(KINDS)),
            OpenApiParameter("dry_run", bool, description="Validate only; nothing is written."),
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Any unique string (a UUID): a retry with it changes nothing.",
            ),
        ],
        request={
            "application/geo+json": OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Written (or validated)."),
            202: OpenApiResponse(OpenApiTypes.OBJECT, description="Queued as a job (its url)."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The body cannot be read."),
            401: OpenApiResponse(OpenApiTypes.OBJECT, description="No valid token."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not the token's dataset."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such dataset or kind."),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="A rule of the data broken."),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="The body is too large."),
            422: OpenApiResponse(OpenApiTypes.OBJECT, description="Rows with errors, listed."),
            429: OpenApiResponse(OpenApiTypes.OBJECT, description="Over the token's rate."),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="Another write is running."),
        },
        examples=[
            OpenApiExample(
                "Two sites and a deletion",
                value={
                    "type": "FeatureCollection",
                    "delete": ["old-7"],
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [4.35, 50.85]},
                            "properties": {"external_id": "w-1", "name": "Atelier", "sector": 16},
                        },
                    ],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Indicators: a row and a deletion",
                value={
                    "rows": [
                        {
                            "district": "Anderlecht",
                            "key": "manufacturing_jobs",
                            "sector": 25,
                            "year": 2023,
                            "value": 1480,
                            "unit": "jobs",
                        },
                    ],
                    "delete": [
                        {
                            "district": "Anderlecht",
                            "key": "manufacturing_jobs",
                            "sector": 25,
                            "year": 2019,
                        }
                    ],
                },
                request_only=True,
            ),
        ],
        tags=["datasets"],
    )
    def post(self, request: Request, slug: str, kind: str) -> Response:
        token = request.auth
        if request.user.is_anonymous:
            self.permission_denied(request)  # a 401 asking for a token
        if not isinstance(token, ApiToken):
            return problem(403, _("Write with a token"),
                           _("Bulk writes are made with a token of the organisation that owns "
                             "the dataset."))  # fmt: skip
        if kind not in KINDS:
            return problem(
                404,
                _("Unknown kind of data"),
                _("Bulk writes take %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))},
            )
        try:
            partner = writable_dataset(token, slug)
        except Dataset.DoesNotExist:
            return problem(404, _("No such dataset"), _("No dataset is called “%(slug)s”.")
                           % {"slug": slug})  # fmt: skip
        except DjangoPermissionDenied as exc:
            return problem(403, _("Not your dataset"), str(exc))
        raw = _body(request)
        if raw is None:
            limits = {"mb": MAX_BODY_MB, "n": f"{partner_data.JOB_MAX_ROWS:,}"}
            message = _("Send at most %(mb)s MB, and at most %(n)s rows, a request.") % limits
            return problem(413, _("Too large"), message)
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            return problem(400, _("Idempotency-Key too long"), _("Use at most 200 characters."))
        try:
            parsed = parse_bulk_body(raw, request.content_type, kind)
            if parsed.size > partner_data.JOB_MAX_ROWS:
                limit = {"n": f"{partner_data.JOB_MAX_ROWS:,}"}
                return problem(413, _("Too large"), _("Send at most %(n)s rows a request.") % limit)
            if parsed.size > bulk.MAX_ROWS:
                answer = bulk_write_later(
                    token=token, partner=partner, kind=kind, raw=raw,
                    content_type=request.content_type, dry_run=dry_run, key=key,
                    request_fingerprint=fingerprint("POST", request.get_full_path(), raw),
                    ip=request.META.get("REMOTE_ADDR"),
                )  # fmt: skip
                return _job_answer(request, answer, slug)
            answer = bulk_write_with_token(
                token=token, partner=partner, kind=kind, request=parsed, dry_run=dry_run,
                key=key, request_fingerprint=fingerprint("POST", request.get_full_path(), raw),
                ip=request.META.get("REMOTE_ADDR"),
            )  # fmt: skip
        except BulkRequestInvalid as exc:
            return problem(400, _("The request cannot be read"), str(exc))
        except BulkRejected as exc:
            return problem(
                422, _("Rows with errors: nothing was written"),
                _("%(n)s problems; fix them and send the request again.") % {"n": exc.total},
                errors=[p.as_dict() for p in exc.problems], error_count=exc.total,
            )  # fmt: skip
        except BulkConflict as exc:
            return problem(409, _("Rows in use"), str(exc))
        except IdempotencyKeyReused as exc:
            return problem(422, _("Idempotency-Key reused"), str(exc))
        except DatasetBusy:
            response = problem(503, _("Dataset busy"),
                               _("Another write into this dataset is still running; "
                                 "send this one again in a minute."))  # fmt: skip
            response["Retry-After"] = "60"
            return response
        if answer.status == 202:  # a retry of a request that became a job
            return _job_answer(request, answer, slug)
        response = Response({**answer.body, "dataset": slug, "kind": kind}, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _job_answer(request: Request, answer, slug: str) -> Response:
    url = request.build_absolute_uri(f"/api/v1/datasets/{slug}/jobs/{answer.body['job']}")
    response = Response({**answer.body, "url": url}, status=202)
    response["Location"] = url
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class BulkJobView(APIView):
    """A bulk write that went through the pipeline as a job: its progress, then its answer."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="datasets_bulk_job",
        summary="Follow a bulk write made as a job",
        description=(
            "A bulk write of more than 10,000 rows (up to 200,000) is answered 202 with this "
            "address. `status` is queued, running, succeeded or failed; once finished, "
            "`result` holds the answer the request would have had: its HTTP `status` and "
            "`body` (the counts, or problem details listing each row's problems)."
        ),
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The job.")},
        tags=["datasets"],
    )
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        token = request.auth
        if not isinstance(token, ApiToken):
            return problem(
                403, _("Read with a token"), _("Read a job with a token of its organisation.")
            )
        job = Job.objects.filter(pk=job_id, kind="partner_bulk").first()
        owned = (
            job is not None
            and PartnerDataset.objects.filter(
                pk=job.params.get("partner"), dataset__slug=slug, organisation=token.organisation_id
            ).exists()
        )
        if not owned:
            return problem(404, _("No such job"),
                           _("This dataset of your organisation has no such job."))  # fmt: skip
        return Response(
            {
                "job": job.pk,
                "status": job.status,
                "progress": job.progress,
                "message": job.message,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "result": job.result,
            }
        )


def _body(request: Request) -> bytes | None:
    """The raw body, read in chunks; None past the limit (Django's in-memory limit is lower)."""
    limit = MAX_BODY_MB * 1024 * 1024
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    stream = request._request
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
