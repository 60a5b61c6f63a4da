from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny

from imagesearch.parsers import SafeJSONParser


class TokenObtainApi(ObtainAuthToken):
    """POST username and password, get the API token (DRF's view with our safe JSON parser)."""

    parser_classes = (FormParser, MultiPartParser, SafeJSONParser)
    permission_classes = (AllowAny,)  # as DRF's `()`, but the schema then says no authentication is needed
