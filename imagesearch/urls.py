from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults as django_defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from imagesearch import health

urlpatterns = [
    path("", include("gallery.urls")),
    path("search/", include("search.urls")),
    path("albums/", include("albums.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("imagesearch.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, and our template has no inline style: the
    # docs work under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    # Pages without an icon of their own (the admin) make browsers ask for this one.
    # static() per request: with the manifest storage it needs collectstatic's manifest, not at import.
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("healthz", health.healthz, name="healthz"),  # liveness
    path("readyz", health.readyz, name="readyz"),  # readiness: database, broker, storage
]


def _api_aware(default_view, status: int, message: str):
    """API clients get JSON errors even from Django's own 404/500 (e.g. a malformed URL)."""

    def view(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status)
        return default_view(request, *args, **kwargs)

    return view


handler404 = _api_aware(django_defaults.page_not_found, 404, "Not found.")
handler500 = _api_aware(django_defaults.server_error, 500, "Server error.")
