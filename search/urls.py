from django.urls import path

from search.views import duplicates, reindex, search, tags

app_name = "search"

urlpatterns = [
    path("", search.text_search, name="text"),
    path("similar/<int:photo_id>/", search.similar, name="similar"),
    path("region/<int:photo_id>/", search.region, name="region"),
    path("image/", search.image_search, name="image"),
    path("image/<str:token>/", search.image_results, name="image-results"),
    path("like/", search.photos_like, name="like"),
    path("tags/", tags.tags, name="tags"),
    path("photos/<int:photo_id>/tags/add/", tags.photo_tag_add, name="photo-tag-add"),
    path("photos/<int:photo_id>/tags/remove/", tags.photo_tag_remove, name="photo-tag-remove"),
    path("duplicates/", duplicates.duplicates, name="duplicates"),
    path("reindex/", reindex.reindex, name="reindex"),
]
