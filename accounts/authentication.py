"""`Authorization: Token <key>` against accounts.ApiToken (hashed keys, expiry, last use).

A subclass of DRF's TokenAuthentication for its header parsing and its OpenAPI description
(drf-spectacular's `tokenAuth`); only the lookup is ours."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.services.tokens import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token
