from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health
from core.admin import throttled_admin_login
from core.api import ApiRootApi
from core.views import api_not_found, favicon, public_image

api_v1 = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("wallets.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("", include("events.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # Swagger UI's bundle needs inline scripts and styles: only this page.
        csp_replace({"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerView.as_view(url_name="schema")
        ),
        name="docs",
    ),
]

# DRF's login page for the browsable API; its Bootstrap markup has style
# attributes, so styles (never scripts) may be inline there.
_inline_styles = csp_replace({"style-src": [SELF, UNSAFE_INLINE]})
browsable_api_auth = [
    path(
        "login/",
        _inline_styles(LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    path("logout/", LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("admin/login/", throttled_admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("api-auth/", include((browsable_api_auth, "rest_framework"))),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links.
    path("favicon.ico", favicon),
    # Product covers; MEDIA_URL's other folders (download files) are never public.
    path("media/images/<path:path>", public_image, name="public-image"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    # The two faces: server-rendered pages over the same services as the API.
    path("dashboard/", include("dashboard.urls")),
    path("", include("storefront.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
