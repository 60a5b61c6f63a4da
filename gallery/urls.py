from django.urls import path

from gallery import views

app_name = "gallery"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("photos/retry-failed/", views.retry_failed, name="retry-failed"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo-delete"),
]
