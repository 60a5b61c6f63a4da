from django.urls import path

from accounts import apis as accounts_apis
from albums import apis as album_apis
from gallery import apis as gallery_apis
from gallery import library_apis
from search.apis import combined, duplicates, reindex, search, status, tags, words

app_name = "api"

urlpatterns = [
    path("auth/token/", accounts_apis.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/tokens/", accounts_apis.ApiTokenListApi.as_view(), name="auth-tokens"),
    path("auth/tokens/<int:token_id>/", accounts_apis.ApiTokenDetailApi.as_view(), name="auth-token-detail"),
    path("photos/", gallery_apis.PhotoCollectionApi.as_view(), name="photos"),
    path("photos/months/", library_apis.PhotoMonthsApi.as_view(), name="photo-months"),
    path("photos/bulk/favourite/", library_apis.PhotoBulkFavouriteApi.as_view(), name="photos-bulk-favourite"),
    path("photos/bulk/trash/", library_apis.PhotoBulkTrashApi.as_view(), name="photos-bulk-trash"),
    path("photos/bulk/restore/", library_apis.PhotoBulkRestoreApi.as_view(), name="photos-bulk-restore"),
    path("photos/bulk/delete/", library_apis.PhotoBulkDeleteApi.as_view(), name="photos-bulk-delete"),
    path("photos/bulk/tags/", library_apis.PhotoBulkTagApi.as_view(), name="photos-bulk-tags"),
    path("photos/bulk/download/", library_apis.PhotoBulkDownloadApi.as_view(), name="photos-bulk-download"),
    path("photos/<int:photo_id>/restore/", library_apis.PhotoRestoreApi.as_view(), name="photo-restore"),
    path("photos/<int:photo_id>/albums/", album_apis.PhotoAlbumsApi.as_view(), name="photo-albums"),
    path("trash/", library_apis.TrashApi.as_view(), name="trash"),
    path("albums/", album_apis.AlbumCollectionApi.as_view(), name="albums"),
    path("albums/<int:album_id>/", album_apis.AlbumDetailApi.as_view(), name="album-detail"),
    path("albums/<int:album_id>/photos/", album_apis.AlbumPhotosApi.as_view(), name="album-photos"),
    path("albums/<int:album_id>/photos/remove/", album_apis.AlbumPhotosRemoveApi.as_view(), name="album-photos-remove"),
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
    path("search/like/", combined.PhotosLikeApi.as_view(), name="search-like"),
    path("duplicates/", duplicates.DuplicatesApi.as_view(), name="duplicates"),
    path("status/", status.StatusApi.as_view(), name="status"),
    path("reindex/", reindex.ReindexApi.as_view(), name="reindex"),
]
