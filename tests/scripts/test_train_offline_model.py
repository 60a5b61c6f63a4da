"""The trainer's image-only instance term (scripts/train_offline_model.py): each view's positive is
the other view of the same photo, and nothing else."""

import importlib.util

import pytest
from django.conf import settings

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def trainer():
    spec = importlib.util.spec_from_file_location("train_offline_model",
                                                  settings.BASE_DIR / "scripts" / "train_offline_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _views(photos: torch.Tensor, noise: float, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    twins = photos + noise * torch.randn(photos.shape, generator=gen)
    return torch.nn.functional.normalize(torch.cat([photos, twins]), dim=1)


def test_the_instance_term_rewards_twins_and_nothing_else(trainer):
    photos = torch.nn.functional.normalize(torch.randn(16, 32, generator=torch.Generator().manual_seed(0)), dim=1)
    views = _views(photos, noise=0.05, seed=1)
    paired = trainer.instance_contrastive_loss(views, temperature=0.2)
    # The same vectors with the second views shuffled: no view's twin is its neighbour any more.
    shuffled = torch.cat([views[:16], views[16:][torch.randperm(16, generator=torch.Generator().manual_seed(2))]])
    assert 5 * paired < trainer.instance_contrastive_loss(shuffled, temperature=0.2)
    # A view is never its own positive: with identical twins the loss stays below log 2, which it
    # could not if each view also counted itself (self and twin would share the probability).
    identical = torch.cat([photos, photos])
    assert trainer.instance_contrastive_loss(identical, temperature=0.2) < 0.5
