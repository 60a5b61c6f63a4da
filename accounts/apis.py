"""REST API of accounts: a named token for a device (username and password), the user's tokens,
revoking one."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.services import login, tokens
from imagesearch.parsers import SafeJSONParser


class TokenObtainApi(APIView):
    """POST username and password (and a name for the device), get a new API token. The key is
    shown only in this answer: keep it."""

    parser_classes = (FormParser, MultiPartParser, SafeJSONParser)
    permission_classes = (AllowAny,)  # the schema then says no authentication is needed
    authentication_classes = ()  # credentials are the body; a session must not make this a CSRF case
    throttle_scope = "login"

    @extend_schema_serializer(component_name="TokenObtainInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150, trim_whitespace=False)
        password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
        name = serializers.CharField(max_length=tokens.MAX_NAME_LENGTH, required=False, allow_blank=True,
                                     help_text="The device or app the token is for, e.g. \"Ada's phone\".")
        expires_in_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True,
                                                   help_text="Days until the token stops working; never if left out.")

    @extend_schema_serializer(component_name="TokenObtained")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="The key, for `Authorization: Token <key>`. Shown only once.")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = login.credentials_check(request=request, username=data.validated_data["username"],
                                       password=data.validated_data["password"])
        new = tokens.api_token_create(user=user, name=data.validated_data.get("name") or "API token",
                                      expires_in_days=data.validated_data.get("expires_in_days"))
        return Response(self.OutputSerializer({"token": new.key}).data)


class ApiTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    key_prefix = serializers.CharField(help_text="The key's first characters.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True, help_text="To the minute.")
    expires_at = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")

    def get_current(self, token) -> bool:
        used = getattr(self.context.get("request"), "auth", None)
        return getattr(used, "pk", None) == token.pk


class ApiTokenListApi(APIView):
    pagination_class = None

    @extend_schema(responses=ApiTokenOutputSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenOutputSerializer(selectors.api_token_list(user=request.user), many=True,
                                                 context={"request": request}).data)


class ApiTokenDetailApi(APIView):
    @extend_schema(responses={204: None}, description="Revoke the token: it stops working at once.")
    def delete(self, request, token_id: int):
        tokens.api_token_revoke(token=selectors.api_token_get(user=request.user, token_id=token_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
