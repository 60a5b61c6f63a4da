from django.urls import path

from albums import views

app_name = "albums"

urlpatterns = [
    path("", views.album_list, name="list"),
    path("new/", views.album_create, name="create"),
    path("<int:album_id>/", views.album_detail, name="detail"),
    path("<int:album_id>/edit/", views.album_edit, name="edit"),
    path("<int:album_id>/delete/", views.album_delete, name="delete"),
]
