"""The container healthcheck command (no Django): a fresh heartbeat file, or a URL answering 200."""

import os
import time

from imagesearch import healthcheck


def test_a_fresh_heartbeat_is_healthy_and_a_stale_or_missing_one_is_not(tmp_path, capsys):
    beat = tmp_path / "heartbeat"
    assert healthcheck.main([str(beat)]) == 1
    assert "no heartbeat file" in capsys.readouterr().err
    beat.touch()
    assert healthcheck.main([str(beat), "--max-age", "60"]) == 0
    old = time.time() - 300
    os.utime(beat, (old, old))
    assert healthcheck.main([str(beat), "--max-age", "60"]) == 1
    assert "s old" in capsys.readouterr().err


def test_a_url_that_does_not_answer_is_unhealthy(capsys):
    assert healthcheck.main(["--url", "http://127.0.0.1:1/readyz", "--timeout", "1"]) == 1
    assert "127.0.0.1:1" in capsys.readouterr().err
