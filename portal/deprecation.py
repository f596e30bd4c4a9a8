"""What the API says of a form it still understands but will drop (RFC 9745 and RFC 8594).

Each deprecated form works for one release after the one that replaced it, and every answer
to it carries `Deprecation` (when it was deprecated) and a `Link` to the documentation.
"""

from datetime import UTC, datetime

from rest_framework.request import Request
from rest_framework.response import Response

# The release that replaced the first forms (the API's axis order and paging).
DEPRECATED_SINCE = datetime(2026, 12, 7, tzinfo=UTC)


def deprecated(response: Response, request: Request, what: str) -> Response:
    response["Deprecation"] = f"@{int(DEPRECATED_SINCE.timestamp())}"
    link = request.build_absolute_uri("/api/docs/")
    response["Link"] = f'<{link}>; rel="deprecation"; type="text/html"; title="{what}"'
    return response
