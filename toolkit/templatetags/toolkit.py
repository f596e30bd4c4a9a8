from django import template
from django.utils.safestring import SafeString

from toolkit.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def page_link(context, number: int) -> str:
    """This page's address with its search and filters kept, at another page number."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return f"?{query.urlencode()}"
