from search import query_encoding


def active_model(request):
    """Pages show a notice while the offline fallback model is active."""
    if not request.user.is_authenticated:
        return {}
    try:
        model = query_encoding.active_model()
    except query_encoding.QueryEncoderUnavailable:
        return {}  # no ML worker answers: the page still renders; a search says why it can't run
    return {"active_model_key": model.key, "offline_model_active": model.is_fallback,
            "offline_model_reason": model.fallback_reason}
