FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=imagesearch.settings.production \
    STATIC_ROOT=/app/staticfiles CLIP_CACHE_DIR=/app/models
WORKDIR /app
COPY requirements.txt .
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install -r requirements.txt
COPY . .
# Fetch the configured CLIP weights into the image so that containers start offline.
RUN DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db python manage.py download_model \
 && DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "imagesearch.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--timeout", "120"]
