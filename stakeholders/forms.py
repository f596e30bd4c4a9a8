from allauth.account.forms import LoginForm
from django.utils.translation import gettext_lazy as _


class PortalLoginForm(LoginForm):
    """allauth's sign-in form with a plainer label for its first field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or username")
