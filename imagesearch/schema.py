"""OpenAPI post-processing: document the error answers every endpoint can give, and empty query values."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "errors": {"type": "object", "additionalProperties": True, "description": "Messages per field."},
    },
    "required": ["detail"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "Invalid input; `detail` says why.",
    "401": "Not authenticated.",
    "403": "Not allowed (staff only, or CSRF for session clients).",
    "404": "Not found (also for another user's photo).",
    "415": "Unsupported content type.",
    "429": "Too many requests (a rate limit or a login lockout); `Retry-After` says how many seconds to wait.",
    "503": "The CLIP model is not available; `detail` says why.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    # DRF (serializers, pagination) reads `?name=` as "not given": the default applies.
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for code, description in DESCRIPTIONS.items():
                if code == "415" and method not in ("post", "put", "patch"):
                    continue
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {"description": description,
                                       "content": {"application/json": {"schema": ERROR_REF}}}
                    if code == "429":
                        responses[code]["headers"] = {"Retry-After": {
                            "schema": {"type": "integer"}, "description": "Seconds until a retry can succeed."}}
                elif code == "400":
                    # e.g. the upload's per-file results: either those or a request-level error
                    for media in existing.get("content", {}).values():
                        media["schema"] = {"oneOf": [media["schema"], ERROR_REF]}
    return result
