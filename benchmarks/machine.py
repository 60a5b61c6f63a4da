"""The machine a benchmark ran on: CPU, memory, Python, torch threads, model, database, load."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from django.db import connection

from search.clip import encoders, weights


@dataclass
class Machine:
    cpu: str
    cores: int
    ram_gb: float
    python: str
    torch_threads: int
    model: str
    offline_fallback: bool
    database: str
    system: str
    date: str
    load_average: tuple[float, float, float]  # 1, 5, 15 min, when the run started: other work skews figures


def machine_info() -> Machine:
    resolution = weights.resolve()
    encoders.get_model()
    import torch  # noqa: PLC0415 - torch loads through search.clip (above); here only to read its thread count

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), "
                       "(SELECT extversion FROM pg_extension WHERE extname = 'vector')")
        postgres, pgvector = cursor.fetchone()
    return Machine(cpu=_cpu_model(), cores=os.cpu_count() or 0, ram_gb=_ram_gb(), python=platform.python_version(),
                   torch_threads=torch.get_num_threads(), model=weights.active_spec().key,
                   offline_fallback=resolution.is_fallback, database=f"PostgreSQL {postgres}, pgvector {pgvector}",
                   system=f"{platform.system()} {platform.release()} {platform.machine()}",
                   date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), load_average=load_average())


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)
