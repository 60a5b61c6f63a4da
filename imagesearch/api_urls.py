from django.urls import path

from gallery import apis as gallery_apis
from gallery.auth_apis import TokenObtainApi
from search import apis as search_apis
from search import tag_apis

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("photos/", gallery_apis.PhotoCollectionApi.as_view(), name="photos"),
    path("photos/<int:photo_id>/", gallery_apis.PhotoDetailApi.as_view(), name="photo-detail"),
    path("photos/<int:photo_id>/original/", gallery_apis.PhotoOriginalApi.as_view(), name="photo-original"),
    path("photos/<int:photo_id>/thumbnail/", gallery_apis.PhotoThumbnailApi.as_view(), name="photo-thumbnail"),
    path("photos/<int:photo_id>/tags/", tag_apis.PhotoTagsApi.as_view(), name="photo-tags"),
    path("photos/<int:photo_id>/tags/<str:name>/", tag_apis.PhotoTagDetailApi.as_view(), name="photo-tag-detail"),
    path("tags/", tag_apis.TagListApi.as_view(), name="tags"),
    path("words/<str:word>/related/", tag_apis.RelatedWordsApi.as_view(), name="related-words"),
    path("photos/<int:photo_id>/similar/", search_apis.PhotoSimilarApi.as_view(), name="photo-similar"),
    path("search/", search_apis.TextSearchApi.as_view(), name="search-text"),
    path("search/region/", search_apis.RegionSearchApi.as_view(), name="search-region"),
    path("search/image/", search_apis.ImageSearchApi.as_view(), name="search-image"),
    path("duplicates/", search_apis.DuplicatesApi.as_view(), name="duplicates"),
    path("status/", search_apis.StatusApi.as_view(), name="status"),
    path("reindex/", search_apis.ReindexApi.as_view(), name="reindex"),
]
