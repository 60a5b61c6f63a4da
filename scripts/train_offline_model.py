#!/usr/bin/env python
"""Train the small from-scratch CLIP ("imagesearch-offline") used by the offline photo search.

Reproducible CPU recipe (see search/clip/offline_model/MODEL_CARD.md):

    .venv/bin/python scripts/train_offline_model.py --minutes 55 --seed 0

Steps: decode + resize every *train* photo of the labelled datasets once into a uint8 cache
(.data/offline_train/), train an open_clip CLIP (ModifiedResNet image tower + small text
transformer) with a label-aware contrastive loss on class-name captions, then evaluate on the
Caltech-101 *test* split (find-similar P@10 / mAP@10 and text-to-image P@10), write the open_clip
model config JSON and an fp16 state_dict, reload them through open_clip's normal
`create_model_and_transforms` path and check the reloaded model gives the same numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import torch

# open_clip imports torchvision, whose import fails on some CPU-only installs with
# "operator torchvision::nms does not exist"; defining the two op schemas first fixes it
# (same as search/torch_shim.py).
try:
    import torchvision
except RuntimeError:
    _lib = torch.library.Library("torchvision", "DEF")
    _lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision  # noqa: F401

import open_clip
import torch.nn.functional as F
from PIL import Image

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
from benchmarks.datasets import held_out_labels, list_labeled_photos  # noqa: E402

MODEL_NAME = "imagesearch-offline"
DATASETS = ("caltech101", "tiny_imagenet_val", "flowers5")
EVAL_DATASET = "caltech101"

# Captions used for training (one random template per image per step).
TRAIN_TEMPLATES = [
    "a photo of a {}.",
    "a picture of a {}.",
    "a close-up photo of the {}.",
    "a {} in the photo.",
    "an image of a {}.",
    "a photo of the {}.",
    "a cropped photo of a {}.",
    "a good photo of a {}.",
    "a photo of my {}.",
    "a bright photo of a {}.",
    "a low resolution photo of a {}.",
    "{}.",
    "a {}.",
    "this is a photo of a {}.",
    "there is a {} in this picture.",
    "a snapshot of a {}.",
]
# Prompt ensemble used for text queries at evaluation (embeddings averaged, then normalised).
EVAL_TEMPLATES = [
    "a photo of a {}.",
    "a picture of a {}.",
    "a close-up photo of the {}.",
    "a {} in the photo.",
]

# open_clip's default preprocess (OpenAI CLIP mean/std; a registry config JSON cannot override it).
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def model_config(args) -> dict:
    return {
        "embed_dim": 512,
        "vision_cfg": {
            "image_size": args.image_size,
            "layers": args.vision_layers,
            "width": args.vision_width,
            "head_width": 32,
            "patch_size": None,
        },
        "text_cfg": {
            "context_length": 32,
            "vocab_size": 49408,
            "width": args.text_width,
            "heads": 4,
            "layers": args.text_layers,
        },
    }


# ----------------------------------------------------------------------------- image cache

def _load_square(args):
    path, size = args
    with Image.open(path) as img:
        img.draft("RGB", (size * 2, size * 2))  # fast JPEG down-scaled decode
        img = img.convert("RGB")
        w, h = img.size
        scale = size / min(w, h)
        nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
        img = img.resize((nw, nh), Image.BICUBIC)
        left, top = (nw - size) // 2, (nh - size) // 2
        img = img.crop((left, top, left + size, top + size))
        return np.asarray(img, dtype=np.uint8)


def load_cache(root: Path, dataset: str, split: str, size: int, cache_dir: Path):
    """uint8 [N, size, size, 3] + labels for one dataset split, decoded once and cached."""
    cache = cache_dir / f"{dataset}_{split}_{size}.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        return data["images"], [str(x) for x in data["labels"]]
    photos = list_labeled_photos(root / dataset, split=split)
    t0 = time.time()
    with Pool(2) as pool:
        images = pool.map(_load_square, [(p.path, size) for p in photos], chunksize=64)
    images = np.stack(images)
    labels = [p.label for p in photos]
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(cache, images=images, labels=np.array(labels))
    print(f"cached {dataset}/{split}: {len(labels)} photos at {size}px in {time.time() - t0:.0f}s", flush=True)
    return images, labels


def load_eval_set(root: Path, preprocess, cache_dir: Path, image_size: int):
    """Caltech-101 test split through open_clip's own eval preprocess (what the app will use)."""
    cache = cache_dir / f"{EVAL_DATASET}_test_eval{image_size}.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        return torch.from_numpy(data["images"]), [str(x) for x in data["labels"]]
    photos = list_labeled_photos(root / EVAL_DATASET, split="test")
    tensors = []
    for p in photos:
        with Image.open(p.path) as img:
            tensors.append(preprocess(img.convert("RGB")))
    images = torch.stack(tensors)
    labels = [p.label for p in photos]
    np.savez(cache, images=images.numpy(), labels=np.array(labels))
    return images, labels


# ----------------------------------------------------------------------------- augmentation

def augment(batch_u8: torch.Tensor, out_size: int, gen: torch.Generator, mean, std) -> torch.Tensor:
    """Vectorised random-resized-crop + flip + colour jitter + random grayscale on a uint8 NHWC batch."""
    x = batch_u8.permute(0, 3, 1, 2).float().div_(255.0)
    b = x.shape[0]
    rand = lambda *shape: torch.rand(*shape, generator=gen)  # noqa: E731
    area = 0.35 + 0.65 * rand(b)
    log_r = (rand(b) * 2 - 1) * math.log(4 / 3)
    ratio = torch.exp(log_r)
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (rand(b) * 2 - 1) * (1 - w)
    cy = (rand(b) * 2 - 1) * (1 - h)
    flip = torch.where(rand(b) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, (b, 3, out_size, out_size), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    # colour jitter (p=0.8): brightness, contrast, saturation
    apply = (rand(b) < 0.8).float().view(b, 1, 1, 1)
    bright = 1 + (rand(b) * 2 - 1).view(b, 1, 1, 1) * 0.4
    contrast = 1 + (rand(b) * 2 - 1).view(b, 1, 1, 1) * 0.4
    sat = 1 + (rand(b) * 2 - 1).view(b, 1, 1, 1) * 0.4
    gray_w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    j = x * bright
    m = (j * gray_w).sum(1, keepdim=True).mean((2, 3), keepdim=True)
    j = (j - m) * contrast + m
    g = (j * gray_w).sum(1, keepdim=True)
    j = (j - g) * sat + g
    x = apply * j + (1 - apply) * x
    to_gray = (rand(b) < 0.1).float().view(b, 1, 1, 1)
    x = to_gray * (x * gray_w).sum(1, keepdim=True).expand_as(x) + (1 - to_gray) * x
    x = x.clamp_(0, 1)
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


# ----------------------------------------------------------------------------- evaluation

@torch.no_grad()
def encode_images(model, images: torch.Tensor, batch: int = 256) -> torch.Tensor:
    model.eval()
    out = [model.encode_image(images[i:i + batch], normalize=True) for i in range(0, len(images), batch)]
    return torch.cat(out)


@torch.no_grad()
def encode_class_texts(model, tokenizer, classes: list[str], templates: list[str]) -> torch.Tensor:
    model.eval()
    embs = []
    for name in classes:
        tok = tokenizer([t.format(name) for t in templates])
        e = model.encode_text(tok, normalize=True).mean(0)
        embs.append(F.normalize(e, dim=-1))
    return torch.stack(embs)


def precision_ap_at_k(scores: torch.Tensor, relevant: torch.Tensor, k: int = 10):
    """scores [Q, N], relevant bool [Q, N] -> per-query P@k and AP@k (AP normalised by min(k, #relevant))."""
    top = scores.topk(k, dim=1).indices
    rel = relevant.gather(1, top).float()
    p_at_k = rel.mean(1)
    cum = rel.cumsum(1) / torch.arange(1, k + 1).float()
    n_rel = relevant.sum(1).clamp(max=k).float().clamp(min=1)
    ap = (cum * rel).sum(1) / n_rel
    return p_at_k, ap


@torch.no_grad()
def evaluate(model, tokenizer, images: torch.Tensor, labels: list[str]) -> dict:
    emb = encode_images(model, images)
    lab = np.array(labels)
    same = torch.from_numpy(lab[:, None] == lab[None, :])
    sims = emb @ emb.T
    sims.fill_diagonal_(-float("inf"))
    same.fill_diagonal_(False)
    p_img, ap_img = precision_ap_at_k(sims, same)
    classes = sorted(set(labels))
    temb = encode_class_texts(model, tokenizer, classes, EVAL_TEMPLATES)
    rel_t = torch.from_numpy(np.array(classes)[:, None] == lab[None, :])
    p_txt, ap_txt = precision_ap_at_k(temb @ emb.T, rel_t)
    # zero-shot classification accuracy on the test split (bonus diagnostic)
    pred = (emb @ temb.T).argmax(1).numpy()
    acc = float((np.array(classes)[pred] == lab).mean())
    return {
        "find_similar_p10": float(p_img.mean()),
        "find_similar_map10": float(ap_img.mean()),
        "text_to_image_p10": float(p_txt.mean()),
        "text_to_image_map10": float(ap_txt.mean()),
        "zero_shot_top1": acc,
        "n_test_photos": len(labels),
        "n_text_queries": len(classes),
    }


def fmt(m: dict) -> str:
    return (f"find-similar P@10 {m['find_similar_p10']:.3f} mAP@10 {m['find_similar_map10']:.3f} | "
            f"text->image P@10 {m['text_to_image_p10']:.3f} mAP@10 {m['text_to_image_map10']:.3f} | "
            f"zero-shot acc {m['zero_shot_top1']:.3f}")


def encode_text_trimmed(model, text: torch.Tensor) -> torch.Tensor:
    """model.encode_text(normalize=True) for token ids cut to L < context_length (training speed-up).

    Same parameters and maths as open_clip's CLIP.encode_text; with a causal mask and EOT pooling
    the padding positions after EOT cannot change the result (checked at start-up).
    """
    from open_clip.transformer import text_global_pool  # noqa: PLC0415 - open_clip loads after the torchvision shim
    seq = text.shape[1]
    x = model.token_embedding(text) + model.positional_embedding[:seq]
    x = model.transformer(x, attn_mask=model.attn_mask[:seq, :seq])
    x = model.ln_final(x)
    x = text_global_pool(x, text, model.text_pool_type, eos_token_id=getattr(model, "text_eos_id", None))
    x = model.text_projection(x) if isinstance(model.text_projection, torch.nn.Linear) else x @ model.text_projection
    return F.normalize(x, dim=-1)


# ----------------------------------------------------------------------------- loss

def label_aware_clip_loss(img: torch.Tensor, txt: torch.Tensor, img_cls: torch.Tensor, txt_cls: torch.Tensor,
                          scale: torch.Tensor, supcon_weight: float) -> torch.Tensor:
    """CLIP loss whose targets treat every same-class pair as positive.

    img [B, D] / txt [T, D] normalised; img_cls [B], txt_cls [T] (every img class is among txt_cls,
    each txt class once). Image->text: softmax over the T class captions, target = own class.
    Text->image: soft target spread uniformly over the batch images of that class (texts
    without images in the batch are pure negatives and skipped as anchors). Plus an image-image
    supervised-contrastive term (positives = other images of the same class).
    """
    logits = scale * img @ txt.T  # [B, T]
    pos = (img_cls[:, None] == txt_cls[None, :]).float()
    loss_i2t = -(F.log_softmax(logits, dim=1) * pos).sum(1).mean()
    has = pos.sum(0) > 0
    tgt = pos[:, has].T / pos[:, has].T.sum(1, keepdim=True)
    loss_t2i = -(F.log_softmax(logits.T[has], dim=1) * tgt).sum(1).mean()
    loss = 0.5 * (loss_i2t + loss_t2i)
    if supcon_weight > 0:
        b = img.shape[0]
        eye = torch.eye(b, dtype=torch.bool)
        ii = (scale * img @ img.T).masked_fill(eye, -1e4)
        same = (img_cls[:, None] == img_cls[None, :]) & ~eye
        n = same.sum(1)
        ok = n > 0
        logp = F.log_softmax(ii, dim=1)
        sc = -(logp * same.float()).sum(1)[ok] / n[ok]
        loss = loss + supcon_weight * sc.mean()
    return loss


def instance_contrastive_loss(img: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's NT-Xent on [2B, D] normalised image vectors, rows i and i+B being two views of one
    photo: each view's only positive is its twin. Unlike the label terms it learns what tells one
    photo from another, which carries over to kinds of photo no caption named."""
    b2 = img.shape[0]
    eye = torch.eye(b2, dtype=torch.bool)
    logits = (img @ img.T / temperature).masked_fill(eye, -1e4)
    twin = torch.arange(b2).roll(b2 // 2)
    return F.cross_entropy(logits, twin)


# ----------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets-root", type=Path, default=PROJECT_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--minutes", type=float, default=55.0, help="training time budget; the LR schedule follows elapsed/budget (ignored with --steps)")
    parser.add_argument("--steps", type=int, default=None, help="fixed number of steps (overrides --minutes)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "search" / "clip" / "offline_model")
    parser.add_argument("--cache-dir", type=Path, default=PROJECT_ROOT / ".data" / "offline_train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--cache-size", type=int, default=80)
    parser.add_argument("--vision-layers", type=int, nargs=4, default=[2, 2, 2, 2])
    parser.add_argument("--vision-width", type=int, default=32)
    parser.add_argument("--text-width", type=int, default=128)
    parser.add_argument("--text-layers", type=int, default=4)
    parser.add_argument("--classes-per-batch", type=int, default=64)
    parser.add_argument("--per-class", type=int, default=4)
    parser.add_argument("--extra-neg-classes", type=int, default=64)
    parser.add_argument("--caltech-weight", type=float, default=3.0, help="class-sampling weight for Caltech classes")
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--wd", type=float, default=0.1)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--supcon-weight", type=float, default=0.5)
    parser.add_argument("--views", type=int, choices=(1, 2), default=1,
                        help="2: two augmented views of every batch photo (the batch holds twice the images)")
    parser.add_argument("--instance-weight", type=float, default=0.0,
                        help="weight of the image-only view-vs-view contrastive term (needs --views 2)")
    parser.add_argument("--instance-temperature", type=float, default=0.2)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--train-held-out", action="store_true",
                        help="also train on the held-out quarter of classes (benchmarks.datasets.held_out_labels); "
                             "by default they are left out so that unseen-class figures mean something")
    args = parser.parse_args()
    if args.instance_weight > 0 and args.views != 2:
        parser.error("--instance-weight needs --views 2")

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t_start = time.time()

    # config -> open_clip registry, model built through open_clip's normal path
    args.out.mkdir(parents=True, exist_ok=True)
    cfg_path = args.out / f"{MODEL_NAME}.json"
    cfg_path.write_text(json.dumps(model_config(args), indent=2) + "\n")
    open_clip.add_model_config(cfg_path)
    model, _, preprocess = open_clip.create_model_and_transforms(MODEL_NAME)
    tokenizer = open_clip.get_tokenizer(MODEL_NAME)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {MODEL_NAME}: {n_params / 1e6:.1f}M params; config {json.dumps(model_config(args))}", flush=True)

    # data (train splits only)
    xs, ys, ds_of = [], [], []
    for ds in DATASETS:
        x, y = load_cache(args.datasets_root, ds, "train", args.cache_size, args.cache_dir)
        xs.append(x)
        ys.extend(y)
        ds_of.extend([ds] * len(y))
    held_out = frozenset() if args.train_held_out else held_out_labels(args.datasets_root)
    keep = np.array([y not in held_out for y in ys])
    images = torch.from_numpy(np.concatenate(xs)[keep])
    ys = [y for y, k in zip(ys, keep) if k]
    ds_of = [d for d, k in zip(ds_of, keep) if k]
    classes = sorted(set(ys))  # label words; tiny-imagenet/caltech overlaps merge into one class
    cls_index = {c: i for i, c in enumerate(classes)}
    y_idx = np.array([cls_index[c] for c in ys])
    members = [np.flatnonzero(y_idx == i) for i in range(len(classes))]
    caltech_classes = {c for c, d in zip(ys, ds_of) if d == EVAL_DATASET}
    weights = np.array([np.sqrt(len(members[i])) * (args.caltech_weight if c in caltech_classes else 1.0)
                        for i, c in enumerate(classes)])
    weights /= weights.sum()
    print(f"train photos {len(ys)} in {len(classes)} classes ({len(caltech_classes)} Caltech); "
          f"{len(held_out)} held-out classes left out", flush=True)
    # The labels it learnt, beside the checkpoint: the app's tagging vocabulary for it comes from them.
    (args.out / f"{MODEL_NAME}.classes.txt").write_text("".join(f"{c}\n" for c in classes))

    # pre-tokenised captions: [n_classes, n_templates, L], trimmed to the longest caption
    # (causal text tower + EOT pooling => identical output to the padded context length)
    tok = torch.stack([tokenizer([t.format(c) for t in TRAIN_TEMPLATES]) for c in classes])
    trim = int((tok != 0).sum(-1).max())
    full = tok[:3, 0]
    tok = tok[..., :trim].contiguous()
    with torch.no_grad():
        model.eval()
        assert torch.allclose(model.encode_text(full, normalize=True), encode_text_trimmed(model, tok[:3, 0]), atol=1e-5)
    print(f"captions: {len(TRAIN_TEMPLATES)} templates x {len(classes)} classes, {trim} tokens", flush=True)

    test_images, test_labels = load_eval_set(args.datasets_root, preprocess, args.cache_dir, args.image_size)
    print(f"eval: Caltech-101 test split, {len(test_labels)} photos", flush=True)

    model = model.to(memory_format=torch.channels_last)  # ~25% faster CPU convs
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "embedding" in name or "logit_scale" in name else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.98), eps=1e-6)

    def batch_indices():
        cls = rng.choice(len(classes), size=args.classes_per_batch, replace=False, p=weights)
        idx = []
        for c in cls:
            m = members[c]
            idx.extend(rng.choice(m, size=args.per_class, replace=len(m) < args.per_class))
        others = np.setdiff1d(np.arange(len(classes)), cls)
        extra = rng.choice(others, size=min(args.extra_neg_classes, len(others)), replace=False)
        return np.array(idx), np.concatenate([cls, extra])

    # LR schedule: linear warm-up then cosine to 0 over the run. With --steps the progress is
    # step/steps (exactly reproducible); otherwise it is elapsed/budget (the CPU is shared, so a
    # step-count estimate from the first steps can be far off) and the run stops at the budget.
    total_steps = args.steps
    budget = args.minutes * 60
    step, t_train, history, warm_p, run_loss = 0, time.time(), [], 0.0, None
    batch_size = args.classes_per_batch * args.per_class * args.views
    unseen_test = [i for i, label in enumerate(test_labels) if label in held_out]
    while True:
        if total_steps is not None:
            progress = step / total_steps
        else:
            progress = (time.time() - t_train) / budget
        if progress >= 1:
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            if step == args.warmup:
                warm_p = progress  # cosine over the post-warm-up part of the run
            lr = 0.5 * args.lr * (1 + math.cos(math.pi * min(1.0, (progress - warm_p) / max(1e-6, 1 - warm_p))))
        for g in opt.param_groups:
            g["lr"] = lr
        idx, txt_cls = batch_indices()
        model.train()
        photos = images[torch.from_numpy(idx)]
        x = torch.cat([augment(photos, args.image_size, gen, MEAN, STD) for _ in range(args.views)])
        x = x.contiguous(memory_format=torch.channels_last)
        img_cls = torch.from_numpy(np.tile(y_idx[idx], args.views))
        t_ids = tok[torch.from_numpy(txt_cls), torch.randint(len(TRAIN_TEMPLATES), (len(txt_cls),), generator=gen)]
        img = model.encode_image(x, normalize=True)
        txt = encode_text_trimmed(model, t_ids)
        scale = model.logit_scale.exp()
        loss = label_aware_clip_loss(img, txt, img_cls, torch.from_numpy(txt_cls), scale, args.supcon_weight)
        if args.instance_weight > 0:
            loss = loss + args.instance_weight * instance_contrastive_loss(img, args.instance_temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        step += 1
        run_loss = loss.item() if run_loss is None else 0.95 * run_loss + 0.05 * loss.item()
        if step % 25 == 0:
            seen = step * batch_size
            print(f"step {step}/{total_steps} epoch {seen / len(ys):.2f} loss {run_loss:.3f} "
                  f"scale {scale.item():.1f} lr {lr:.2e} elapsed {(time.time() - t_train) / 60:.1f} min", flush=True)
        if step % args.eval_every == 0:
            m = evaluate(model, tokenizer, test_images, test_labels)
            history.append({"step": step, **m})
            print(f"  eval step {step}: {fmt(m)}", flush=True)
            if unseen_test:
                u = evaluate(model, tokenizer, test_images[unseen_test], [test_labels[i] for i in unseen_test])
                history[-1]["unseen"] = u
                print(f"  eval step {step}, unseen classes only: {fmt(u)}", flush=True)
    train_minutes = (time.time() - t_train) / 60

    final = evaluate(model, tokenizer, test_images, test_labels)
    print(f"FINAL (fp32, in training) after {step} steps, {train_minutes:.1f} min: {fmt(final)}", flush=True)
    by_class_set = {}
    for name, wanted in (("seen", False), ("unseen", True)):
        chosen = [i for i, label in enumerate(test_labels) if (label in held_out) == wanted]
        if chosen:
            by_class_set[name] = evaluate(model, tokenizer, test_images[chosen], [test_labels[i] for i in chosen])
            print(f"FINAL {name} Caltech classes: {fmt(by_class_set[name])}", flush=True)

    # fp16 state_dict (floating tensors only; BN counters stay int)
    ckpt = args.out / f"{MODEL_NAME}.pt"
    sd = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, ckpt)
    size_mb = ckpt.stat().st_size / 2 ** 20
    print(f"wrote {ckpt} ({size_mb:.1f} MiB) and {cfg_path}", flush=True)

    # reload through open_clip's normal path and re-evaluate with its own preprocess
    open_clip.add_model_config(cfg_path)
    loaded, _, preprocess2 = open_clip.create_model_and_transforms(MODEL_NAME, pretrained=str(ckpt))
    tokenizer2 = open_clip.get_tokenizer(MODEL_NAME)
    photos = list_labeled_photos(args.datasets_root / EVAL_DATASET, split="test")
    imgs2 = []
    for p in photos:
        with Image.open(p.path) as im:
            imgs2.append(preprocess2(im.convert("RGB")))
    reloaded = evaluate(loaded, tokenizer2, torch.stack(imgs2), [p.label for p in photos])
    print(f"FINAL (reloaded fp16 checkpoint via open_clip): {fmt(reloaded)}", flush=True)

    summary = {
        "model": MODEL_NAME, "config": model_config(args), "args": {k: str(v) for k, v in vars(args).items()},
        "steps": step, "batch_size": batch_size, "train_minutes": round(train_minutes, 1),
        "total_minutes": round((time.time() - t_start) / 60, 1), "checkpoint_mib": round(size_mb, 1),
        "metrics_fp32": final, "metrics_reloaded_fp16": reloaded, "history": history,
        "metrics_by_class_set": by_class_set, "held_out_labels": sorted(held_out),
        "train_templates": TRAIN_TEMPLATES, "eval_templates": EVAL_TEMPLATES,
    }
    (args.cache_dir / "last_run.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: summary[k] for k in ("steps", "train_minutes", "checkpoint_mib",
                                                "metrics_fp32", "metrics_reloaded_fp16")}, indent=2), flush=True)


if __name__ == "__main__":
    main()
