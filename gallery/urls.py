from django.urls import path

from gallery import library_views, views

app_name = "gallery"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("photos/retry-failed/", views.retry_failed, name="retry-failed"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:photo_id>/trash/", library_views.photo_trash, name="photo-trash"),
    path("photos/<int:photo_id>/restore/", library_views.photo_restore, name="photo-restore"),
    path("photos/download/", library_views.photos_download, name="photos-download"),
    path("favourites/", library_views.favourites, name="favourites"),
    path("trash/", library_views.trash, name="trash"),
    path("trash/empty/", library_views.trash_empty_view, name="trash-empty"),
]
