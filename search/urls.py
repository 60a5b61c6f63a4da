from django.urls import path

from search import tag_views, views

app_name = "search"

urlpatterns = [
    path("", views.text_search, name="text"),
    path("similar/<int:photo_id>/", views.similar, name="similar"),
    path("region/<int:photo_id>/", views.region, name="region"),
    path("image/", views.image_search, name="image"),
    path("image/<str:token>/", views.image_results, name="image-results"),
    path("tags/", tag_views.tags, name="tags"),
    path("photos/<int:photo_id>/tags/add/", tag_views.photo_tag_add, name="photo-tag-add"),
    path("photos/<int:photo_id>/tags/remove/", tag_views.photo_tag_remove, name="photo-tag-remove"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("reindex/", views.reindex, name="reindex"),
]
