"""Where the CPU goes during a scenario, read from /proc: CPU seconds of the web
workers, PostgreSQL, the Celery worker and Redis (the load generator is counted
by the bench from its own children)."""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _all() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            found[int(entry.name)] = stat
    return found


def _descendants(processes: dict, root: int) -> set[int]:
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, (_, parent, _) in processes.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return family


def cpu_by_group(*, web_master: int, worker_master: int | None) -> dict[str, float]:
    """CPU seconds so far of each group of processes."""
    processes = _all()
    web = _descendants(processes, web_master) - {web_master}
    groups = {
        "web workers": web,
        "PostgreSQL": {pid for pid, (name, _, _) in processes.items() if name == "postgres"},
        "Redis": {pid for pid, (name, _, _) in processes.items() if name == "redis-server"},
    }
    if worker_master:
        groups["Celery worker"] = _descendants(processes, worker_master)
    return {
        group: sum(processes[pid][2] for pid in pids if pid in processes)
        for group, pids in groups.items()
    }


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    processes = _all()
    return sorted(p for p, (_, parent, _) in processes.items() if parent == pid)
