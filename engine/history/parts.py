"""A big dump imported in parts, by worker processes: the way a site's years of accounting load in seconds.

Merging sacct rows is Python work per row, so a 1,000,000-row dump keeps one core busy for a long time. The
file is cut into parts at job rows (sacct prints a job's steps right after it, so no job is split), each
worker merges its parts into a part file (a plain SQLite table), and this process upserts the part files
into the history in file order, each as one transaction, while the workers go on. The result is the same as
a sequential import: same rows, same counts, line numbers of the whole file in every report.

Two differences are possible, both only where a part boundary falls between rows that belong together: a
step row whose job row sits in the previous part (sacct never prints them apart) is reported as an orphan
instead of being merged; and a job row printed twice a few lines apart (a requeue, with sacct --duplicates)
is counted as new and then updated instead of once. The stored row is the later one either way.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from asba.errors import InputError, StoreError
from asba.history.merge import Merger
from asba.history.store import merge_part, write_part
from asba.history.sync import LoadReport
from asba.inputs.sacct import DumpLayout, Malformed, SacctStream, read_lines

MIN_PART_BYTES = 8 << 20  # smaller parts cost more in start-up and hand-over than they save
PARTS_PER_WORKER = 4  # more parts than workers: the history takes part 1 while the workers merge parts 2..n
AUTO_MIN_BYTES = 64 << 20  # `--workers auto` stays sequential below this (worker start-up is ~0.2 s)


def auto_workers(path: Path) -> int:
    """Workers for `--workers auto`: one per core (at most 4) for a big file, else 1 (sequential)."""
    try:
        size = path.stat().st_size
    except OSError:
        return 1
    return min(os.cpu_count() or 1, 4) if size >= AUTO_MIN_BYTES else 1


@dataclass
class Part:
    number: int
    start: int  # byte offsets: the part's first line is a job row
    end: int


@dataclass
class PartResult:
    """What a worker sends back (plain data, so it pickles)."""

    lines: int = 0  # physical lines in the part (to number the next part's lines)
    rows_read: int = 0
    step_rows: int = 0
    orphan_steps: int = 0
    cut_jobs: int = 0
    malformed: list[Malformed] = field(default_factory=list)  # line numbers within the part (1 = first line)
    error: str = ""  # an unexpected failure in the worker, as one line


def plan(path: Path, layout: DumpLayout, parts: int) -> list[Part]:
    """Cut the data into about `parts` parts of equal size, each starting at a job row."""
    size = path.stat().st_size
    begin = layout.data_start
    parts = max(1, min(parts, (size - begin) // MIN_PART_BYTES))
    starts = [begin]
    jobid = layout.columns.pos("jobid")
    width = len(layout.columns.names)
    delimiter = layout.delimiter.encode()
    with path.open("rb") as handle:
        for k in range(1, parts):
            handle.seek(max(begin + (size - begin) * k // parts - 1, starts[-1]))
            handle.readline()  # to the next line start
            while True:
                offset = handle.tell()
                line = handle.readline()
                if not line:
                    break
                fields = line.rstrip(b"\r\n").split(delimiter)
                if len(fields) in (width, width + 1) and b"." not in fields[jobid]:
                    break
            if starts[-1] < offset < size:
                starts.append(offset)
    return [Part(k, start, end) for k, (start, end) in enumerate(zip(starts, starts[1:] + [size]))]


def import_part(path: str, part: Part, layout: DumpLayout, cluster: str, aws_partitions: frozenset[str],
                out: str) -> PartResult:
    """Worker: merge one part of the dump and write its job rows to the part file `out`."""
    result = PartResult()
    try:
        def on_block(block: bytes) -> None:
            result.lines += block.count(b"\n")
            if _bytes_read is not None:
                with _bytes_read.get_lock():
                    _bytes_read.value += len(block)

        lines = read_lines(Path(path), part.start, part.end, on_block=on_block)
        stream = SacctStream(lines, path, layout.delimiter, layout.columns.names)
        merger = Merger(default_cluster=cluster, aws_partitions=aws_partitions)
        write_part(Path(out), merger.rows(stream))
    except Exception as exc:  # a worker reports any failure as one line (the parent raises it), never a traceback
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    result.rows_read = stream.rows_read
    result.step_rows = merger.stats.step_rows
    result.orphan_steps = merger.stats.orphan_steps
    result.cut_jobs = merger.stats.cut_jobs
    result.malformed = stream.malformed + merger.stats.bad_values
    return result


_bytes_read = None  # a counter shared with this process's parent, for the progress bar


def _init_worker(counter, parent: int) -> None:
    global _bytes_read
    _bytes_read = counter
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A worker ends when the importing process (`parent`) does, however it ends (kill -9 included): Linux
    sends it SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a watchdog thread sees the parent change and exits.
    A parent that died before this ran (the worker was still starting) is seen here and the worker exits."""
    if os.getppid() != parent:
        os._exit(1)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() == parent:  # 1 = PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="asba-parent-watch").start()


SCRATCH_PREFIX = ".asba-import-"
STALE_AFTER_S = 24 * 3600  # a scratch folder without a live owner, or of an older asba, this old is removed


def remove_stale_scratch(folder: Path) -> list[Path]:
    """Scratch folders that a killed import left beside the history (their owner process is gone)."""
    removed = []
    for path in folder.glob(SCRATCH_PREFIX + "*"):
        owner = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            alive = owner.isdigit() and _alive(int(owner))
            if not alive and (owner.isdigit() or time.time() - path.stat().st_mtime > STALE_AFTER_S):
                shutil.rmtree(path)
                removed.append(path)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """On an interrupt: cancel what has not started and end the workers now, not after their parts."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # taken first: shutdown may clear it
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _sigterm_as_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def import_in_parts(conn, db: Path, path: Path, layout: DumpLayout, workers: int, report: LoadReport, *,
                    cluster: str = "", aws_partitions: frozenset[str] = frozenset(),
                    progress: Callable[[int], None] | None = None) -> None:
    """Import the dump with `workers` processes into `report`; the history gets each part as soon as it is
    ready."""
    parts = plan(path, layout, workers * PARTS_PER_WORKER)
    context = multiprocessing.get_context("spawn")  # not fork: the caller may run threads (a progress bar)
    counter = context.Value("q", 0) if progress else None
    remove_stale_scratch(db.parent)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=db.parent))
    except OSError as exc:
        raise StoreError(f"cannot make scratch files beside the history database: {exc.strerror}",
                         where=str(db.parent), code="ASBA-HIST-011") from None
    previous = _on_sigterm(_sigterm_as_exit)  # SIGTERM unwinds like Ctrl-C: workers stopped, scratch removed
    try:
        with ProcessPoolExecutor(min(workers, len(parts)), mp_context=context, initializer=_init_worker,
                                 initargs=(counter, os.getpid())) as pool:
            try:
                futures = [pool.submit(import_part, str(path), part, layout, cluster, aws_partitions,
                                       str(scratch / f"part{part.number}.db")) for part in parts]
            except OSError as exc:  # no processes left for this user, for one
                raise InputError(f"cannot start import workers: {exc.strerror or exc}", where=str(path),
                                 hint="run the import with --workers 1", code="ASBA-HIST-005") from None
            try:
                line_no = layout.first_line_no
                for part, future in zip(parts, futures):
                    result = _result(future, counter, progress, path, line_no)
                    counts = merge_part(conn, scratch / f"part{part.number}.db", db)
                    (scratch / f"part{part.number}.db").unlink()
                    report.add_counts(result.rows_read, result.step_rows, result.orphan_steps,
                                      [Malformed(m.line_no + line_no - 1, m.reason) for m in result.malformed],
                                      counts)
                    report.cut_jobs += result.cut_jobs
                    line_no += result.lines
            except BaseException:
                _stop_workers(pool)
                raise
    finally:
        _on_sigterm(previous)
        shutil.rmtree(scratch, ignore_errors=True)
    if progress and counter is not None:
        _progress(counter, progress)


def _on_sigterm(handler):
    """Set the SIGTERM handler (main thread only; elsewhere nothing changes) and return the previous one."""
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None
    return signal.signal(signal.SIGTERM, handler)


def _result(future: Future, counter, progress, path: Path, line_no: int) -> PartResult:
    """The worker's result for one part, showing progress while waiting; a failed part raises one line."""
    try:
        while True:
            done, _ = wait([future], timeout=0.25, return_when=FIRST_COMPLETED)
            if progress and counter is not None:
                _progress(counter, progress)
            if done:
                result = future.result()
                break
    except BrokenProcessPool:
        raise InputError("an import worker process died (out of memory, or killed)", where=f"{path}:{line_no}",
                         hint="the parts before it are stored; run the import again with --workers 1",
                         code="ASBA-HIST-005") from None
    if result.error and ("disk is full" in result.error or "No space left" in result.error):
        raise StoreError("the disk is full: an import worker could not write its part beside the history "
                         "database", where=f"{path}:{line_no}", code="ASBA-HIST-017",
                         hint="the parts before it are stored; free space on the history's filesystem (or set "
                              "ASBA_HOME elsewhere) and run the import again")
    if result.error:
        raise InputError(f"the import of the part from this line failed: {result.error}",
                         where=f"{path}:{line_no}", hint="the parts before it are stored; run again with --workers 1",
                         code="ASBA-HIST-005")
    return result


def _progress(counter, progress: Callable[[int], None]) -> None:
    with counter.get_lock():
        count, counter.value = counter.value, 0
    if count:
        progress(count)
