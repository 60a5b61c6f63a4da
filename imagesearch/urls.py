from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views import defaults as django_defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("gallery.urls")),
    path("search/", include("search.urls")),
    path("albums/", include("albums.urls")),
    path("accounts/", include("gallery.account_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("imagesearch.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", lambda request: HttpResponse("ok", content_type="text/plain"), name="healthz"),
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
