"""The one place that imports open_clip, after the torchvision shim it needs here."""

from __future__ import annotations

from pathlib import Path

OFFLINE_MODEL_DIR = Path(__file__).resolve().parent / "offline_model"
OFFLINE_ARCHITECTURE = "imagesearch-offline"


def open_clip():
    """The open_clip module, with the project's offline architecture registered.

    Imported on first use, not at module load: torch takes seconds to import, and web pages
    that never encode (or a forking worker's parent) must not pay for it or initialise it.
    """
    from search.clip import torch_shim  # noqa: PLC0415 - imports torch: only when a model is needed

    torch_shim.apply()
    import open_clip as library  # noqa: PLC0415 - must come after the shim (see torch_shim)

    if OFFLINE_ARCHITECTURE not in library.list_models():
        library.add_model_config(OFFLINE_MODEL_DIR / f"{OFFLINE_ARCHITECTURE}.json")
    return library
