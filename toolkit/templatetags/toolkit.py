from django import template
from django.utils.safestring import SafeString

from toolkit.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """This page's query string with some parameters changed (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    query.pop("page", None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"
