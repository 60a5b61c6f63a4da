"""Make `import torchvision` work with the CUDA build of torchvision on CPU-only torch.

torchvision 0.28.0 on PyPI is a CUDA build; with the CPU torch wheel its compiled `_C`
library cannot load, and importing it then fails with "operator torchvision::nms does not
exist" because its Python code registers fake kernels for ops that were never defined.
Defining the two op schemas first lets the import succeed (open_clip only uses transforms,
never these ops). Must run before open_clip (and so torchvision) is imported.
"""

import glob
import importlib.util
import os

import torch

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    if _torchvision_c_loads():
        return
    library = torch.library.Library("torchvision", "DEF")  # noqa: TOR901 - kept alive below
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
    globals()["_library"] = library


def _torchvision_c_loads() -> bool:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    for location in spec.submodule_search_locations:
        for library_path in glob.glob(os.path.join(location, "_C*.so")):
            try:
                torch.ops.load_library(library_path)
                return True
            except (OSError, RuntimeError):
                return False
    return False
