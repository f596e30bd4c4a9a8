import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cities.models import City, Dataset, MaterialCategory, Sector
from stakeholders.uploads import PrivateStorage

# A listing not confirmed for this long gets a reminder, then shows as stale.
REMIND_AFTER = timedelta(days=365)
STALE_AFTER = timedelta(days=456)  # fifteen months

# Project staff are members of these groups (created by migration 0003).
EDITORS = "editors"
MODERATORS = "moderators"
DATA_MANAGERS = "data-managers"


class User(AbstractUser):
    """A person with an account: maker, city official, project staff or partner.

    Roles are not a field: a maker is anyone signed in; project staff belong to
    the editors or moderators group; officials and partners are members of an
    organisation of that kind (see stakeholders/roles.py).
    """

    email = models.EmailField(_("email address"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        help_text=_("Language for emails; the interface follows the address bar."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # Email is how people sign in later (allauth): one account per address.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                condition=~models.Q(email=""),
            ),
        ]

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def is_editor(self) -> bool:
        """Writes and publishes the toolkit's content."""
        return self.is_superuser or EDITORS in self.group_names

    @property
    def is_data_manager(self) -> bool:
        """Imports, corrects and deletes the cities' data (editors may too)."""
        return self.is_superuser or bool({EDITORS, DATA_MANAGERS} & self.group_names)

    @property
    def is_moderator(self) -> bool:
        """Reviews workspaces and sees what makers have not made public."""
        return self.is_superuser or MODERATORS in self.group_names

    @cached_property
    def official_city_ids(self) -> frozenset[int]:
        """The cities whose administration this person belongs to."""
        return frozenset(
            self.memberships.filter(
                organisation__kind=Organisation.Kind.CITY_ADMINISTRATION
            ).values_list("organisation__city_id", flat=True)
        )

    @property
    def is_partner(self) -> bool:
        return self.memberships.filter(organisation__kind=Organisation.Kind.PARTNER).exists()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CITY_ADMINISTRATION = "city", _("City administration")
        PARTNER = "partner", _("Partner organisation")
        MAKER_COLLECTIVE = "makers", _("Maker collective")
        RESEARCH = "research", _("Research")

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Required for a city administration: its members are that city's officials."),
    )
    website = models.URLField(_("website"), blank=True)
    api_requests_per_minute = models.PositiveIntegerField(
        _("API requests per minute, per token"),
        default=600,
        validators=[MinValueValidator(1)],  # revoke the tokens to stop them, not a rate of 0
        help_text=_("The rate limit of each of the organisation's API tokens."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="city") | models.Q(city__isnull=False),
                name="organisation_city_administration_has_city",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.role})"


class Invitation(models.Model):
    """An organisation admin's invitation, accepted through a link sent by email.

    Only a digest of the link's token is stored, so a leaked table invites nobody.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A partner organisation's key to the API, sent as `Authorization: Bearer <secret>`.

    The secret is shown once, when the token is made; only its SHA-256 digest is stored
    (the secret is 256 random bits, so a fast digest is as safe as a slow one), with a
    prefix that identifies the token in lists and logs without revealing it.
    See stakeholders/tokens.py for how tokens are made, checked and revoked.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read the API")
        WRITE_SITES = "write:sites", _("Write manufacturing sites")
        WRITE_ZONES = "write:zones", _("Write industrial land zones")
        WRITE_INDICATORS = "write:indicators", _("Write indicators")
        WRITE_FLOWS = "write:flows", _("Write material flows")
        WRITE_CONTEXT = "write:context", _("Write context layers")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="api_tokens",
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    scopes = ArrayField(
        models.CharField(max_length=20, choices=Scope.choices), verbose_name=_("scopes")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_it_is_made",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired


class PartnerDataset(models.Model):
    """A dataset a partner organisation owns: it alone writes into it (the bulk API).

    Everyone reads it as any other dataset of its city, under its licence.
    """

    dataset = models.OneToOneField(
        Dataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="partner"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="datasets",
    )  # fmt: skip
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner dataset")
        verbose_name_plural = _("partner datasets")
        ordering = ["dataset__name"]

    def __str__(self) -> str:
        return f"{self.dataset.name} ({self.organisation.name})"


class ApiWrite(models.Model):
    """The audit of a write made with a token: who, into what, what changed, when, from where.

    It outlives its token and dataset (their names are kept), as an audit must.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
        related_name="api_writes",
    )  # fmt: skip
    token = models.ForeignKey(
        ApiToken, verbose_name=_("token"), null=True, on_delete=models.SET_NULL,
        related_name="writes",
    )  # fmt: skip
    token_label = models.CharField(_("token"), max_length=130)
    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dataset_slug = models.CharField(_("dataset"), max_length=100)
    kind = models.CharField(_("kind of data"), max_length=20)
    received = models.PositiveIntegerField(_("rows received"))
    # The identifiers created, updated and deleted: {"created": [...], ...}.
    changes = models.JSONField(_("changes"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("API write")
        verbose_name_plural = _("API writes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="apiwrite_by_org_idx")]

    def __str__(self) -> str:
        return f"{self.token_label} → {self.dataset_slug} ({self.kind})"

    def count(self, what: str) -> int:
        return len(self.changes.get(what, []))

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def deleted(self) -> int:
        return self.count("deleted")


class IdempotentRequest(models.Model):
    """The first answer to a write sent with an `Idempotency-Key`, returned again to a retry."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the method, path and body
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_unique")
        ]


class Process(models.Model):
    """A maker process (CNC machining, sewing, ...): the directory's main vocabulary."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Processes that often follow or precede this one in a product (cutting, then
    # welding): matchmaking suggests workspaces that do them.
    complements = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Machine(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="machines")

    class Meta:
        verbose_name = _("machine")
        verbose_name_plural = _("machines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workspace(models.Model):
    """A maker's workshop as listed in the directory."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Published")
        REJECTED = "rejected", _("Not accepted")

    class Tenure(models.TextChoices):
        OWN = "own", _("Owned")
        RENT = "rent", _("Rented")
        SHARED = "shared", _("Shared")

    class RunSize(models.TextChoices):
        ONE_OFF = "one_off", _("One-offs")
        SHORT = "short", _("Short runs")
        BATCH = "batch", _("Batch production")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("The public")
        STUDENTS = "students", _("Students")
        PROFESSIONALS = "professionals", _("Professionals")
        BUSINESSES = "businesses", _("Businesses")

    slug = models.SlugField(_("identifier"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), max_length=4000)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT)
    address = models.CharField(
        _("address"),
        max_length=300,
        help_text=_("As you would write it on a letter. The pin on the map is what places you."),
    )
    # geography: distances in metres, and `location <-> point` is a KNN search on its index.
    location = models.PointField(_("location"), geography=True, srid=4326)
    # The directory map's clusters: geom_3857 && envelope, grouped on a grid (GiST).
    geom_3857 = models.GeneratedField(
        expression=Transform(Cast("location", models.PointField(srid=4326)), 3857),
        output_field=models.PointField(srid=3857),
        db_persist=True,
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True)
    processes = models.ManyToManyField(Process, verbose_name=_("processes"), blank=True)
    machines = models.ManyToManyField(Machine, verbose_name=_("machines"), blank=True)
    materials_used = models.ManyToManyField(
        MaterialCategory, verbose_name=_("materials used"), blank=True, related_name="+"
    )
    materials_offered = models.ManyToManyField(
        MaterialCategory,
        verbose_name=_("materials offered"),
        blank=True,
        related_name="+",
        help_text=_("By-products and off-cuts others could use."),
    )
    materials_note = models.CharField(
        _("about your materials"),
        max_length=500,
        blank=True,
        help_text=_("For example: oak off-cuts, about 2 m³ a month."),
    )
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("people working here"), null=True, blank=True)
    tenure = models.CharField(_("tenure"), max_length=10, choices=Tenure.choices, blank=True)
    production_runs = ArrayField(
        models.CharField(max_length=10, choices=RunSize.choices),
        verbose_name=_("production runs"),
        default=list,
        blank=True,
    )
    minimum_order = models.CharField(_("minimum order"), max_length=100, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), null=True, blank=True)
    works_with = ArrayField(
        models.CharField(max_length=15, choices=Audience.choices),
        verbose_name=_("works with"),
        default=list,
        blank=True,
    )
    open_to_collaboration = models.BooleanField(_("open to collaboration"), default=False)
    looking_for_space = models.BooleanField(_("looking for space"), default=False)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_public = models.BooleanField(
        _("show my contact details publicly"),
        default=False,
        help_text=_("Without this, the email and phone are seen only by you and the moderators."),
    )
    contact_consent_at = models.DateTimeField(null=True, blank=True, editable=False)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        # Deleting an account goes through account_delete, which hands workspaces on first.
        on_delete=models.PROTECT,
        related_name="workspaces",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workspaces",
    )
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    last_confirmed_at = models.DateTimeField(_("last confirmed"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The directory's search box; makers write in any language, so no stemming.
    search = models.GeneratedField(
        expression=(
            SearchVector("name", weight="A", config="simple")
            + SearchVector("description", weight="B", config="simple")
            + SearchVector("materials_note", weight="C", config="simple")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False) | models.Q(organisation__isnull=False),
                name="workspace_has_owner_or_organisation",
            ),
        ]
        indexes = [
            # The directory: search @@ websearch_to_tsquery('simple', ...).
            GinIndex(fields=["search"], name="workspace_search_gin"),
            # Run-size and audience filters: production_runs && ARRAY[...].
            GinIndex(fields=["production_runs"], name="workspace_runs_gin"),
            # The directory map's clusters, over listed workspaces only.
            GistIndex(
                fields=["geom_3857"],
                name="workspace_listed_3857_gist",
                condition=models.Q(status="approved", closed_at__isnull=True),
            ),
            # The directory's default order: first page without sorting every listing.
            models.Index(
                fields=["name", "id"],
                name="workspace_listed_name_idx",
                condition=models.Q(status="approved", closed_at__isnull=True),
            ),
            # The moderation queue, oldest first.
            models.Index(
                fields=["submitted_at"],
                name="workspace_pending_idx",
                condition=models.Q(status="pending"),
            ),
            # The freshness reminder's sweep.
            models.Index(
                fields=["last_confirmed_at"],
                name="workspace_listed_confirmed_idx",
                condition=models.Q(status="approved", closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        city = self.city if self.city_id else None
        # About twenty kilometres of slack: a workshop just over the boundary still belongs.
        if (
            city is not None
            and self.location is not None
            and city.outline is not None
            and not city.outline.buffer(0.25).contains(self.location)
        ):
            raise ValidationError({"location": _("The pin is far outside the city you chose.")})

    @property
    def is_listed(self) -> bool:
        return self.status == self.Status.APPROVED and self.closed_at is None

    @property
    def is_stale(self) -> bool:
        return self.last_confirmed_at < timezone.now() - STALE_AFTER

    @property
    def needs_confirmation(self) -> bool:
        return self.last_confirmed_at < timezone.now() - REMIND_AFTER


def _photo_path(photo: "WorkspacePhoto", filename: str) -> str:
    # A random name: a photo waiting for review must not be found by guessing its address.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpeg"
    return f"workspaces/{photo.workspace.slug}/{uuid.uuid4().hex}.{extension}"


class WorkspacePhoto(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="photos")
    # Private: served by views.photo_file, which checks who may see a photo under review.
    image = models.ImageField(_("photo"), upload_to=_photo_path, storage=PrivateStorage("photos"))
    alt_text = models.CharField(
        _("description of the photo"),
        max_length=200,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    # Photos added to a published workspace wait for the moderators like other edits.
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.alt_text

    @property
    def url(self) -> str:
        return reverse("stakeholders:photo", args=[self.workspace.slug, self.pk])


class WorkspaceChange(models.Model):
    """Edits to a published workspace that wait for a moderator; the listing keeps its old text."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Accepted")
        REJECTED = "rejected", _("Not accepted")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="changes")
    # {field name: new value}, JSON-ready (see stakeholders/services.py: MODERATED_FIELDS).
    changes = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            # One open change per workspace: a second edit adds to it.
            models.UniqueConstraint(
                fields=["workspace"],
                name="workspace_one_open_change",
                condition=models.Q(status__in=["pending", "changes_requested"]),
            ),
        ]


class ModerationEvent(models.Model):
    """The workspace's history: every submission and decision, with who and when."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_SUBMITTED = "changes_submitted", _("Changes submitted for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        EDITED = "edited", _("Edited")
        CONFIRMED = "confirmed", _("Confirmed as current")
        REMINDED = "reminded", _("Reminder sent")
        CLOSED = "closed", _("Marked closed")
        REOPENED = "reopened", _("Reopened")
        HANDED_OVER = "handed_over", _("Handed to the organisation")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events")
    change = models.ForeignKey(
        WorkspaceChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the owner's email has gone out (stakeholders/tasks.py), so it goes once.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="event_workspace_idx")]
