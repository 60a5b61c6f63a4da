from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    """Lets views that stream files accept any `Accept` header (`image/*`, `*/*`)."""

    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
