from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: maker, city official, project staff or partner.

    Custom from the first migration so that roles, organisations and a city
    link can be added without swapping the user model later.
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
                models.functions.Lower("email"),
                name="user_email_unique_ci",
                condition=~models.Q(email=""),
            ),
        ]
