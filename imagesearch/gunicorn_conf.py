"""gunicorn settings used by `manage.py serve`: warm each worker up so the first page is fast."""

import threading


def post_worker_init(worker):
    # Resolving and loading the model imports torch/open_clip (~5 s) and may probe the network
    # (QUERY_ENCODING=worker: asks an ML worker which model it runs); do it in the background at
    # start instead of on the first user's request.
    def warm_up():
        from search import query_encoding  # noqa: PLC0415 - gunicorn reads this file before Django is set up

        try:
            query_encoding.warm_up()
        except Exception:  # noqa: BLE001 - a failure shows up again, with its message, on first use
            pass

    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
