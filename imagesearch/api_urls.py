from django.urls import path

from accounts import apis as accounts_apis
from gallery import apis as gallery_apis
from search.apis import duplicates, reindex, search, status, tags, words

app_name = "api"

urlpatterns = [
    path("auth/token/", accounts_apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/tokens/", accounts_apis.ApiTokenListApi.as_view(), name="auth-tokens"),
    path("auth/tokens/<int:token_id>/", accounts_apis.ApiTokenDetailApi.as_view(), name="auth-token-detail"),
    path("photos/", gallery_apis.PhotoCollectionApi.as_view(), name="photos"),
    path("photos/<int:photo_id>/", gallery_apis.PhotoDetailApi.as_view(), name="photo-detail"),
    path("photos/<int:photo_id>/original/", gallery_apis.PhotoOriginalApi.as_view(), name="photo-original"),
    path("photos/<int:photo_id>/thumbnail/", gallery_apis.PhotoThumbnailApi.as_view(), name="photo-thumbnail"),
    path("photos/<int:photo_id>/preview/", gallery_apis.PhotoPreviewApi.as_view(), name="photo-preview"),
    path("photos/<int:photo_id>/tags/", tags.PhotoTagsApi.as_view(), name="photo-tags"),
    path("photos/<int:photo_id>/tags/<str:name>/", tags.PhotoTagDetailApi.as_view(), name="photo-tag-detail"),
    path("tags/", tags.TagListApi.as_view(), name="tags"),
    path("words/<str:word>/related/", words.RelatedWordsApi.as_view(), name="related-words"),
    path("photos/<int:photo_id>/similar/", search.PhotoSimilarApi.as_view(), name="photo-similar"),
    path("search/", search.TextSearchApi.as_view(), name="search-text"),
    path("search/region/", search.RegionSearchApi.as_view(), name="search-region"),
    path("search/image/", search.ImageSearchApi.as_view(), name="search-image"),
    path("duplicates/", duplicates.DuplicatesApi.as_view(), name="duplicates"),
    path("status/", status.StatusApi.as_view(), name="status"),
    path("reindex/", reindex.ReindexApi.as_view(), name="reindex"),
]
