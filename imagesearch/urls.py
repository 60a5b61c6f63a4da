from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("gallery.urls")),
    path("search/", include("search.urls")),
    path("accounts/", include("gallery.account_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("imagesearch.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", lambda request: HttpResponse("ok", content_type="text/plain"), name="healthz"),
]
