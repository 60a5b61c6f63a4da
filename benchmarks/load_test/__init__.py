"""Concurrent load over real HTTP: uploader clients send photos one per request through
`POST /api/v1/photos/` while searcher clients list the gallery, search by words and find similar
photos; then it waits until every uploaded photo is ready and counts what went wrong.

- `runner`: `load_run` drives any server (URL + token); `run` is the whole test (`manage.py load_test`).
- `server`: `live_server` starts one like `manage.py serve` does (gunicorn + a Celery worker,
  embedded PostgreSQL) in its own data folder, so the database other people use is never touched.
- `client`: the HTTP client, on the standard library only (urllib; the runner uses threads).
- `results`: what a run records (one `Sample` a request) and reports (`LoadResult`).
"""
