# syntax=docker/dockerfile:1
# One image for web, beat and workers. Build arguments:
#   TORCH_FLAVOUR  cpu (default: the CPU wheel from download.pytorch.org) or cuda (PyPI's Linux
#                  wheel, built with CUDA: for the GPU worker, docker-compose profile `gpu`)
#   CLIP_MODEL, CLIP_PRETRAINED  the weights fetched at build time (so a first start works
#                  offline); they land in /models, a volume, which keeps later downloads
ARG TORCH_FLAVOUR=cpu

FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# OpenCV (rapidocr-onnxruntime's dependency, for text in photos) loads libGL.so.1 and GLib.
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .

FROM base AS torch-cpu
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

FROM base AS torch-cuda
# PyPI's torch for Linux x86_64 is the CUDA build (its CUDA libraries come as pip packages:
# the host needs only the NVIDIA driver and the container toolkit).
RUN pip install torch==2.13.0

FROM torch-${TORCH_FLAVOUR} AS app
ARG CLIP_MODEL=ViT-B-32
ARG CLIP_PRETRAINED=laion2b_s34b_b79k
RUN pip install -r requirements.txt
ENV DJANGO_SETTINGS_MODULE=imagesearch.settings.production \
    CLIP_MODEL=${CLIP_MODEL} CLIP_PRETRAINED=${CLIP_PRETRAINED} \
    CLIP_CACHE_DIR=/models IMAGESEARCH_DATA_DIR=/data MEDIA_ROOT=/data/media STATIC_ROOT=/app/staticfiles
# A user of its own: nothing in the container runs as root.
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app app \
 && mkdir -p /models /data/media /data/beat /app/staticfiles && chown -R app:app /models /data /app
COPY --chown=app:app . .
USER app
RUN DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db python manage.py download_model \
 && DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db python manage.py collectstatic --noinput
# Named volumes start as a copy of these folders (weights included), owned by `app`.
VOLUME ["/models", "/data"]
EXPOSE 8000
CMD ["gunicorn", "imagesearch.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--timeout", "120"]
