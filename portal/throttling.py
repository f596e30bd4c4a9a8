"""API rate limits: per address for visitors, per person when signed in, per token for
partners (at their organisation's rate). They fail open: a Redis outage must not turn
reads into 500s. Each answer says where its client stands (`RateLimit-*` headers, set by
portal.middleware.RateLimitHeadersMiddleware), and a 429 says when to come back
(`Retry-After`, from DRF)."""

import logging
import math

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from stakeholders.models import ApiToken

logger = logging.getLogger(__name__)


def _is_token(request) -> bool:
    return isinstance(request.auth, ApiToken)


class _FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("rate limit not applied, the cache is unavailable: %s", exc)
            return True
        if self.key is not None and self.rate is not None:
            self._tell(request)
        return allowed

    def _tell(self, request) -> None:
        """Leave the limit, what is left of it and when it resets for the response."""
        remaining = max(0, self.num_requests - len(self.history))
        oldest = self.history[-1] if self.history else self.now
        reset = max(1, math.ceil(self.duration - (self.now - oldest)))
        known = getattr(request._request, "ratelimit", None)
        # With several limits, the one nearest to running out is the one to show.
        if known is None or remaining < known[1]:
            request._request.ratelimit = (self.num_requests, remaining, reset, self.duration)


class AnonThrottle(_FailOpen, AnonRateThrottle):
    key = None

    def get_cache_key(self, request, view):
        return None if _is_token(request) else super().get_cache_key(request, view)


class UserThrottle(_FailOpen, UserRateThrottle):
    key = None

    def get_cache_key(self, request, view):
        return None if _is_token(request) else super().get_cache_key(request, view)


class TokenThrottle(_FailOpen, SimpleRateThrottle):
    """Each token at its organisation's rate (requests per minute)."""

    scope = "token"
    key = None

    def __init__(self) -> None:  # the rate is the organisation's, known per request
        self.rate = None

    def allow_request(self, request, view) -> bool:
        if not _is_token(request):
            self.key = None
            return True
        self.rate = f"{request.auth.organisation.api_requests_per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
