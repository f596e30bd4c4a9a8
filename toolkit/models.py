"""The toolkit: tools written as patterns, case studies, city plans, engagement, feedback.

Long texts are Markdown, rendered to sanitised HTML on display
(toolkit/markdown.py). Titles and summaries are translated (toolkit/translation.py);
the search vectors are kept by the database, one per language.
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import City, Sector
from toolkit.dimensions import Dimension


class Audience(models.TextChoices):
    PUBLIC_AUTHORITY = "public-authority", _("Public authority")
    MAKER = "maker", _("Maker")
    LANDOWNER_DEVELOPER = "landowner-developer", _("Landowner or developer")
    COMMUNITY_EDUCATION = "community-education", _("Community and education")
    INVESTOR = "investor", _("Investor")


class Method(models.TextChoices):
    GIS_MAPPING = "gis-mapping", _("GIS mapping")
    STATISTICS = "statistics", _("Statistics")
    MATERIAL_FLOW_ANALYSIS = "material-flow-analysis", _("Material flow analysis")
    STAKEHOLDER_ENGAGEMENT = "stakeholder-engagement", _("Stakeholder engagement")
    DESIGN = "design", _("Design")
    POLICY_REGULATION = "policy-regulation", _("Policy and regulation")
    FINANCE = "finance", _("Finance")


class EffortLevel(models.TextChoices):
    LOW = "low", _("Low effort")
    MEDIUM = "medium", _("Medium effort")
    HIGH = "high", _("High effort")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Theme(models.Model):
    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


def _localised(field: str, language: str):
    """The translated column, or the English one where the translation is empty."""
    if language == "en":
        return field + "_en"
    text = models.TextField()
    translated = NullIf(models.F(f"{field}_{language}"), models.Value(""), output_field=text)
    return Coalesce(translated, models.F(f"{field}_en"), output_field=text)


def _search_vector(language: str, config: str):
    """Title weighs most, then the summary, then the problem and solution (English).

    Kept small on purpose: a common word can match most tools, and a vector small
    enough to stay in the table row (not TOAST) is what keeps such searches fast.
    """
    body_config = config if language == "en" else "simple"
    return (
        SearchVector(_localised("title", language), weight="A", config=config)
        + SearchVector(_localised("summary", language), weight="B", config=config)
        + SearchVector("problem", "solution", weight="C", config=body_config)
    )


class Tool(models.Model):
    """A practical tool, written as a pattern."""

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    dimension = models.CharField(_("dimension"), max_length=24, choices=Dimension.choices)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="tools"
    )
    audiences = ArrayField(
        models.CharField(max_length=24, choices=Audience.choices),
        verbose_name=_("audiences"),
        default=list,
        blank=True,
    )
    methods = ArrayField(
        models.CharField(max_length=24, choices=Method.choices),
        verbose_name=_("methods"),
        default=list,
        blank=True,
    )
    summary = models.TextField(_("summary"), help_text=_("One or two plain sentences."))
    context = models.TextField(_("context"), blank=True, help_text=_("Markdown."))
    problem = models.TextField(_("problem"), blank=True, help_text=_("Markdown."))
    forces = models.TextField(_("forces"), blank=True, help_text=_("Markdown, a list."))
    solution = models.TextField(_("solution"), blank=True, help_text=_("Markdown."))
    steps = models.TextField(_("steps"), blank=True, help_text=_("Markdown, a numbered list."))
    resources = models.TextField(
        _("resources"), blank=True, help_text=_("Markdown, a list of links.")
    )
    effort_level = models.CharField(
        _("effort"), max_length=8, choices=EffortLevel.choices, default=EffortLevel.MEDIUM
    )
    effort_time = models.CharField(_("time it takes"), max_length=200, blank=True)
    effort_cost = models.CharField(_("cost"), max_length=300, blank=True)
    effort_skills = models.CharField(_("skills needed"), max_length=300, blank=True)
    effort_data = models.CharField(_("data needed"), max_length=300, blank=True)
    related = models.ManyToManyField("self", verbose_name=_("related tools"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Full-text search, one vector per language, kept by the database.
    search_en = models.GeneratedField(
        expression=_search_vector("en", "english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    search_fr = models.GeneratedField(
        expression=_search_vector("fr", "french"), output_field=SearchVectorField(), db_persist=True
    )
    search_nl = models.GeneratedField(
        expression=_search_vector("nl", "dutch"), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        ordering = ["title"]
        indexes = [
            # The toolkit's search box: search_xx @@ websearch_to_tsquery(...).
            GinIndex(fields=["search_en"], name="tool_search_en_gin"),
            GinIndex(fields=["search_fr"], name="tool_search_fr_gin"),
            GinIndex(fields=["search_nl"], name="tool_search_nl_gin"),
            # Facets on published tools: audiences && ARRAY[...], methods && ARRAY[...].
            GinIndex(fields=["audiences"], name="tool_audiences_gin"),
            GinIndex(fields=["methods"], name="tool_methods_gin"),
            # Browsing: published tools by dimension, newest first.
            models.Index(fields=["status", "dimension", "-published_at"], name="tool_browse_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("toolkit:tool", kwargs={"slug": self.slug})

    @property
    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences if a in Audience.values]

    @property
    def method_labels(self) -> list[str]:
        return [str(Method(m).label) for m in self.methods if m in Method.values]


def tool_file_path(instance: "ToolFile", filename: str) -> str:
    """A folder no one can guess: a draft tool's files are not public, and the web server
    in front serves MEDIA_ROOT to anyone who knows an address."""
    return f"toolkit/files/{timezone.now():%Y}/{secrets.token_urlsafe(16)}/{filename}"


class ToolFile(models.Model):
    """A file uploaded as a resource of a tool."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=tool_file_path, max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("tool file")
        verbose_name_plural = _("tool files")
        ordering = ["title"]


class CaseStudy(models.Model):
    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT)
    district_name = models.CharField(_("district"), max_length=120, blank=True)
    location = models.PointField(_("location"), srid=4326)
    start_year = models.PositiveSmallIntegerField(_("from"))
    end_year = models.PositiveSmallIntegerField(_("until"), null=True, blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True)
    tools = models.ManyToManyField(
        Tool, verbose_name=_("tools applied"), blank=True, related_name="case_studies"
    )
    summary = models.TextField(_("summary"))
    story = models.TextField(_("story"), blank=True, help_text=_("Markdown."))
    lessons = models.TextField(_("lessons"), blank=True, help_text=_("Markdown, a list."))
    outcomes = models.JSONField(
        _("outcomes"), default=list, blank=True, help_text=_("A list of {label, value} figures.")
    )
    illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("A composite of practice rather than an account of one real project."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        ordering = ["city__slug", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="case_study_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("toolkit:case-study", kwargs={"slug": self.slug})


class CaseStudyImage(models.Model):
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="toolkit/images/%Y/")
    alt_text = models.CharField(
        _("text alternative"),
        max_length=300,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("case study image")
        verbose_name_plural = _("case study images")


class ImplementationPlan(models.Model):
    """A city's plan to keep and grow manufacturing, made of actions."""

    city = models.OneToOneField(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="plan"
    )
    title = models.CharField(_("title"), max_length=200)
    vision = models.TextField(_("vision"), help_text=_("Markdown."))
    goals = models.TextField(_("goals"), blank=True, help_text=_("Markdown, a list."))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        STALLED = "stalled", _("Stalled")

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="actions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.CharField(_("lead organisation"), max_length=200, blank=True)
    tools = models.ManyToManyField(Tool, verbose_name=_("tools used"), blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    state = models.CharField(
        _("status"), max_length=12, choices=State.choices, default=State.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    indicator = models.CharField(_("indicator"), max_length=200, blank=True)
    target = models.CharField(_("target"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["plan", "order", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="action_progress_pct"
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="action_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EngagementEvent(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        INTERVIEW = "interview", _("Interview")
        DISCUSSION = "discussion", _("Discussion")
        SITE_VISIT = "site_visit", _("Site visit")

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    tools = models.ManyToManyField(Tool, verbose_name=_("tools discussed"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["city", "date", "title"], name="event_unique_per_day"),
        ]

    def __str__(self) -> str:
        return self.title


class ToolFeedback(models.Model):
    """How useful a signed-in person found a tool: one rating each, which they may change."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("how useful"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    hidden = models.BooleanField(_("hidden by staff"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tool feedback")
        verbose_name_plural = _("tool feedback")
        constraints = [
            models.UniqueConstraint(fields=["tool", "user"], name="feedback_one_per_user_and_tool"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]
