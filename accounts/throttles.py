from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey


class AuthRateThrottle(SimpleRateThrottle):
    """Per client IP, whoever is logged in: slows password guessing and sign-up spam."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Per merchant API key (API_KEY_THROTTLE_RATE), so one runaway script of a
    merchant's slows that key alone; requests without a key are not counted."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
