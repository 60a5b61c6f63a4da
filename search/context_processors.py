from search.clip import weights


def active_model(request):
    """Pages show a notice while the offline fallback model is active."""
    if not request.user.is_authenticated:
        return {}
    resolution = weights.resolve()
    return {"active_model_key": resolution.spec.key, "offline_model_active": resolution.is_fallback,
            "offline_model_reason": resolution.fallback_reason}
