from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres) -> str:
    """650 m, 2.4 km, 35 km: as precise as a walk or a drive needs."""
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)s m") % {"n": number_format(max(10, round(metres, -1)), 0)}
    km = metres / 1000
    # number_format cuts off decimals; round first so that 1.57 reads 1.6.
    places = 1 if km < 10 else 0
    return _("%(n)s km") % {"n": number_format(round(km, places), places)}
