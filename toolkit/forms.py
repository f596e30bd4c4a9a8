from django import forms
from django.utils.translation import gettext_lazy as _

from cities.models import City
from toolkit.models import Audience, EffortLevel, ToolFeedback

CHALLENGES = [
    ("losing-land", _("Industrial land is being lost to housing and offices")),
    ("rising-rents", _("Makers are priced out of workspace")),
    ("no-data", _("We do not know what the city makes, or where")),
    ("circularity", _("Materials and waste leave the city unused")),
    ("skills", _("Firms cannot find the skills they need")),
    ("coordination", _("Nobody owns manufacturing in the city administration")),
]


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("How useful is this tool to you?"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ToolFeedback
        fields = ["rating", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}
        labels = {"comment": _("Comment (optional, shown to others)")}


class StartForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("Your city"),
        queryset=City.objects.order_by("slug"),
        to_field_name="slug",
        required=False,
        empty_label=_("Another city"),
    )
    challenge = forms.ChoiceField(label=_("Your main challenge"), choices=CHALLENGES)
    role = forms.ChoiceField(label=_("You are"), choices=Audience.choices)
    capacity = forms.ChoiceField(
        label=_("The effort you can put in now"),
        choices=EffortLevel.choices,
        initial=EffortLevel.MEDIUM,
    )
