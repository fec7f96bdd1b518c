"""Instructions per checkout, counted by valgrind's callgrind: `make bench-instructions`.

Timings on this shared machine vary by about 20% from one run to the next, more
than most levers give. An instruction count does not: the same code, data and
environment give the same count (within 0.2%) whatever else the machine is
doing, so two versions of the code compare with one run each. It counts this
process's own instructions (Python, Django, psycopg; not the kernel's, not
PostgreSQL's), the share `bench/cpu.py` times.

The parent prepares the stack as `make bench` does (scratch database, seed,
production settings) and runs the child under valgrind with counting off; the
child warms up, freezes the GC as a gunicorn worker does, switches counting on
for N wallet checkouts of the hot product and off again. Extra environment
(DB_METRICS=false, say) reaches the child, so a setting is compared the same way.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUTS = 100


def _counting(on: bool) -> None:
    state = "on" if on else "off"
    control = shutil.which("callgrind_control")
    subprocess.run(  # noqa: S603 - fixed argv
        [control, "-i", state, str(os.getpid())], check=True, capture_output=True
    )


def child(work: Path, checkouts: int) -> None:
    import django

    django.setup()
    from bench.cpu import warmed_up

    _, _, checkout = warmed_up(work)
    _counting(True)
    statuses = [checkout() for _ in range(checkouts)]
    _counting(False)
    assert statuses == [201] * checkouts, statuses


def main(checkouts: int) -> None:
    from bench.stack import ROOT, fail, require_postgres_and_redis, running_kassa

    database_url, redis_url = require_postgres_and_redis("make bench-instructions")
    valgrind = shutil.which("valgrind") or fail("needs valgrind: apt-get install valgrind")
    with (
        running_kassa(database_url, redis_url, worker=False) as (_, env, work, _),
        tempfile.TemporaryDirectory() as out,
    ):
        run = subprocess.run(  # noqa: S603 - fixed argv
            [
                valgrind,
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}/callgrind.out",
                sys.executable,
                "-m",
                "bench.instructions",
                "--child",
                str(work),
                str(checkouts),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode or not collected:
        fail(f"the counted run failed:\n{run.stderr[-3000:]}")
    per_checkout = int(collected.group(1)) / checkouts / 1e6
    print(f"{per_checkout:.2f} M instructions per checkout ({checkouts} checkouts)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else CHECKOUTS)
