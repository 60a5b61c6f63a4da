from search import clip


def active_model(request):
    return {"active_model_key": clip.configured_spec().key}
