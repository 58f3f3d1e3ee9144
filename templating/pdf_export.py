"""Export Word files to PDF through LibreOffice headless, many documents per process (and, the
same way, make a Word 97–2003 file a .docx the reader can read: `convert`, `DOC_TO_DOCX`).

Starting `soffice` costs about a second (more on a busy machine), so the inputs are split into
`workers` roughly equal chunks and each chunk is converted by one process; the processes run in
parallel, each with its own throw-away user profile so they never share (or wait on) a profile
lock. Each process has a time limit (`base_timeout + timeout_per_doc × chunk length`); on expiry
its whole process group is killed so no `soffice.bin` outlives it.

Documents whose PDF is missing, empty or not a PDF after the first pass are retried once in fresh
processes. When a process timed out, the first document it had not finished is the likely culprit
and is retried on its own, so it cannot block the others a second time. What still fails raises
`PdfExportError`; the PDFs that did convert are written to `out_dir` before the error is raised.

Naming: every input is copied into a private staging folder under an index-based ASCII name, so
names with spaces or Vietnamese characters never reach LibreOffice's command line and two inputs
with the same name (`x/a.docx`, `y/a.docx`) never collide. In `out_dir` each PDF takes its
input's stem (`a.pdf`); inputs whose name repeats within one call get a numeric suffix in input
order (`a.pdf`, `a-2.pdf`, …), never a name another input of the call owns. An existing file of
the same name in `out_dir` is replaced. The import filter is forced (Word 2007+ for a PDF), so
a corrupt file fails to load instead of being imported as plain text and "converted" to garbage.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from domain.errors import KiemdiemError

logger = logging.getLogger(__name__)

_EXECUTABLES = ("soffice", "libreoffice")
_STDERR_TAIL = 2000


@dataclass(frozen=True)
class Conversion:
    """What LibreOffice makes of what: the import filter it must use, the export filter, the made
    files' suffix and how they begin (a file LibreOffice leaves empty or half-written is none)."""

    source: str | None  # the inputs' suffix, when it must be theirs
    import_filter: str
    export_filter: str
    suffix: str
    magic: bytes
    verb: str  # what is done, in the user's messages ("xuất … PDF")
    made: str  # what is made


TO_PDF = Conversion(".docx", "MS Word 2007 XML", "pdf:writer_pdf_Export", ".pdf", b"%PDF-", "xuất", "tệp PDF")
# any name: the reader tells a Word 97–2003 file by its content (a .doc renamed .docx is one)
DOC_TO_DOCX = Conversion(None, "MS Word 97", "docx:MS Word 2007 XML", ".docx", b"PK\x03\x04", "chuyển", "sang tệp Word .docx")


class PdfExportError(KiemdiemError):
    """LibreOffice is missing, or some documents could not be exported to PDF.

    `failed` lists the inputs without a PDF; `pdfs` is aligned with the inputs and holds the PDF
    written for each one that did convert (None for the failed ones and when nothing ran).
    """

    def __init__(
        self,
        user_message: str,
        *,
        detail: str = "",
        failed: Sequence[Path] = (),
        pdfs: Sequence[Path | None] = (),
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.failed = list(failed)
        self.pdfs = list(pdfs)


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    for name in _EXECUTABLES:
        found = shutil.which(name)
        if found:
            return found
    return None


def default_workers() -> int:
    """The number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def convert_one(
    docx: Path,
    out_dir: Path,
    *,
    timeout_per_doc: float = 10.0,
    base_timeout: float = 60.0,
    work_dir: Path | None = None,
) -> Path:
    """Export a single document; see `export_pdfs`."""
    pdfs = export_pdfs(
        [docx], out_dir, workers=1, timeout_per_doc=timeout_per_doc, base_timeout=base_timeout, work_dir=work_dir
    )
    return pdfs[0]


def export_pdfs(
    docx_paths: Sequence[Path],
    out_dir: Path,
    *,
    workers: int | None = None,
    timeout_per_doc: float = 10.0,
    base_timeout: float = 60.0,
    work_dir: Path | None = None,
) -> list[Path]:
    """Export `docx_paths` to PDF files in `out_dir`; the PDF paths come back in input order.

    `workers` LibreOffice processes run in parallel (default: the CPU count, never more than
    there are documents). `work_dir` is where the private temporary folder (staged inputs,
    profiles, raw outputs) is made; default: the system temporary folder. It is removed at the end.
    Raises PdfExportError when LibreOffice is missing, an input is unusable, or a document still
    has no PDF after one retry (the other PDFs are written first).
    """
    return convert(docx_paths, out_dir, TO_PDF, workers=workers, timeout_per_doc=timeout_per_doc,
                   base_timeout=base_timeout, work_dir=work_dir)


def convert(
    sources: Sequence[Path],
    out_dir: Path,
    conversion: Conversion,
    *,
    workers: int | None = None,
    timeout_per_doc: float = 10.0,
    base_timeout: float = 60.0,
    work_dir: Path | None = None,
) -> list[Path]:
    """`export_pdfs` for any `conversion`: the made files, named after their inputs, in input order."""
    sources = [Path(p) for p in sources]
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not sources:
        return []
    _check_inputs(sources, conversion)
    soffice = find_soffice()
    if soffice is None:
        raise PdfExportError(
            f"Không tìm thấy LibreOffice (lệnh soffice) nên không {conversion.verb} được {conversion.made}. "
            "Hãy cài đặt bằng lệnh ./scripts/install (hoặc cài gói libreoffice-writer-nogui).",
            detail=f"none of {', '.join(_EXECUTABLES)} found on PATH",
            failed=sources,
            pdfs=[None] * len(sources),
        )
    n_workers = min(workers or default_workers(), len(sources))
    out_dir.mkdir(parents=True, exist_ok=True)
    names = _output_names(sources, conversion.suffix)
    started = time.monotonic()
    logger.info("soffice conversion started", extra={"documents": len(sources), "workers": n_workers,
                                                       "to": conversion.suffix})

    with tempfile.TemporaryDirectory(prefix="kiemdiem-soffice-", dir=work_dir) as tmp:
        batch = _Batch(Path(tmp), soffice, conversion, timeout_per_doc, base_timeout)
        batch.stage(sources)
        first = batch.run_all(_split(list(range(len(sources))), n_workers), n_workers)
        produced = {i: pdf for r in first for i, pdf in r.done.items()}
        missing = [i for r in first for i in r.missing]
        retry_results: list[_RunResult] = []
        if missing:
            logger.warning(
                "soffice conversion retrying",
                extra={"documents": len(missing), "files": [sources[i].name for i in missing]},
            )
            retry_results = batch.run_all(_retry_plan(first, n_workers), n_workers)
            produced.update({i: pdf for r in retry_results for i, pdf in r.done.items()})
        pdfs: list[Path | None] = [None] * len(sources)
        for i, raw in sorted(produced.items()):
            pdfs[i] = _publish(raw, out_dir / names[i])
        failed = [i for i in range(len(sources)) if pdfs[i] is None]
        seconds = round(time.monotonic() - started, 2)
        if failed:
            failed_set = set(failed)
            detail = _detail([r for r in (*first, *retry_results) if failed_set & set(r.chunk)], sources)
            logger.warning(
                "soffice conversion failed",
                extra={"failed": [str(sources[i]) for i in failed], "seconds": seconds, "detail": detail},
            )
            raise PdfExportError(
                f"Không {conversion.verb} được {conversion.made} cho: {', '.join(sources[i].name for i in failed)} "
                "(LibreOffice quá thời gian hoặc gặp lỗi). Vui lòng thử lại.",
                detail=detail,
                failed=[sources[i] for i in failed],
                pdfs=pdfs,
            )
    logger.info("soffice conversion finished", extra={"documents": len(sources), "seconds": seconds})
    return [p for p in pdfs if p is not None]


def _check_inputs(sources: Sequence[Path], conversion: Conversion) -> None:
    absent = [p for p in sources if not p.is_file()]
    if absent:
        raise PdfExportError(
            f"Không tìm thấy tệp cần {conversion.verb} {conversion.made.removeprefix('tệp ')}: "
            f"{', '.join(p.name for p in absent)}.",
            detail="missing inputs: " + ", ".join(map(str, absent)),
            failed=absent,
            pdfs=[None] * len(sources),
        )
    wrong = [p for p in sources if conversion.source and p.suffix.lower() != conversion.source]
    if wrong:
        raise PdfExportError(
            f"Chỉ {conversion.verb} được {conversion.made.removeprefix('tệp ')} từ tệp Word {conversion.source}; "
            f"không nhận: {', '.join(p.name for p in wrong)}.",
            detail=f"not {conversion.source}: " + ", ".join(map(str, wrong)),
            failed=wrong,
            pdfs=[None] * len(sources),
        )


def _output_names(sources: Sequence[Path], suffix: str) -> list[str]:
    """One file name per input, unique within the call (compared case-insensitively).

    The first input with a given stem keeps `stem.pdf`; later ones get `stem-2.pdf`, `stem-3.pdf`,
    … skipping any name that another input owns naturally."""
    natural = [s.stem + suffix for s in sources]
    taken: set[str] = set()
    names: list[str] = []
    owners = {n.casefold() for n in natural}
    for source, name in zip(sources, natural, strict=True):
        if name.casefold() in taken:
            k = 2
            while (candidate := f"{source.stem}-{k}{suffix}").casefold() in owners | taken:
                k += 1
            name = candidate
        taken.add(name.casefold())
        names.append(name)
    return names


def _split(items: list[int], parts: int) -> list[list[int]]:
    """`items` in `parts` contiguous chunks whose lengths differ by at most one (no empty chunk)."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    chunks, start = [], 0
    for k in range(parts):
        end = start + size + (1 if k < extra else 0)
        chunks.append(items[start:end])
        start = end
    return [c for c in chunks if c]


def _retry_plan(first: Sequence[_RunResult], workers: int) -> list[list[int]]:
    """Chunks for the second pass: the document a timed-out process was stuck on goes alone, the
    other missing documents are split evenly again."""
    alone = [[r.missing[0]] for r in first if r.timed_out and r.missing]
    isolated = {c[0] for c in alone}
    rest = [i for r in first for i in r.missing if i not in isolated]
    return alone + _split(rest, workers)


@dataclass
class _RunResult:
    chunk: list[int]
    done: dict[int, Path] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)
    timed_out: bool = False
    returncode: int | None = None
    stderr: str = ""
    seconds: float = 0.0


class _Batch:
    """The temporary folder of one `export_pdfs` call and the LibreOffice processes it runs."""

    def __init__(self, root: Path, soffice: str, conversion: Conversion, timeout_per_doc: float,
                 base_timeout: float) -> None:
        self.root = root
        self.soffice = soffice
        self.conversion = conversion
        self.timeout_per_doc = timeout_per_doc
        self.base_timeout = base_timeout
        self._lock = threading.Lock()
        self._runs = 0
        self._live: set[subprocess.Popen[bytes]] = set()
        self._aborted = False
        (root / "in").mkdir()

    def stage(self, sources: Sequence[Path]) -> None:
        for i, source in enumerate(sources):
            shutil.copyfile(source, self.root / "in" / _staged(i, _INPUT))

    def run_all(self, chunks: Sequence[list[int]], workers: int) -> list[_RunResult]:
        """Run one process per chunk, at most `workers` at a time; results in chunk order."""
        pool = ThreadPoolExecutor(max_workers=min(workers, len(chunks)), thread_name_prefix="soffice")
        try:
            return list(pool.map(self._run, chunks))
        except BaseException:
            # Interrupted (KeyboardInterrupt, …): stop every process now rather than at its timeout.
            self.abort()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            live = list(self._live)
        for proc in live:
            _kill_group(proc)

    def _run(self, chunk: list[int]) -> _RunResult:
        with self._lock:
            self._runs += 1
            run = self._runs
        out, profile = f"out-{run}", self.root / f"profile-{run}"
        timeout = self.base_timeout + self.timeout_per_doc * len(chunk)
        args = [
            self.soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--nologo",
            f"--infilter={self.conversion.import_filter}",
            "--convert-to",
            self.conversion.export_filter,
            "--outdir",
            out,
            *(f"in/{_staged(i, _INPUT)}" for i in chunk),
        ]
        result = _RunResult(chunk=list(chunk))
        started = time.monotonic()
        stderr = b""
        try:
            # Relative, ASCII-only paths: nothing on the command line depends on the locale.
            proc = subprocess.Popen(
                args,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            result.stderr = f"cannot start {self.soffice}: {exc}"
        else:
            with self._lock:
                self._live.add(proc)
                if self._aborted:
                    _kill_group(proc)
            try:
                _, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                result.timed_out = True
                _kill_group(proc)
                try:
                    _, stderr = proc.communicate(timeout=10)
                except subprocess.TimeoutExpired:  # the pipes are held by something outside the group
                    proc.wait()
                    for pipe in (proc.stdout, proc.stderr):
                        if pipe:
                            pipe.close()
            finally:
                _kill_group(proc)  # helpers the launcher may have left running
                with self._lock:
                    self._live.discard(proc)
            result.returncode = proc.returncode
            result.stderr = stderr.decode("utf-8", "replace")[-_STDERR_TAIL:]
        shutil.rmtree(profile, ignore_errors=True)
        for i in chunk:
            made = self.root / out / _staged(i, self.conversion.suffix)
            if _begins(made, self.conversion.magic):
                result.done[i] = made
            else:
                result.missing.append(i)
        result.seconds = round(time.monotonic() - started, 2)
        log = logger.warning if result.timed_out or result.missing else logger.debug
        log(
            "soffice run",
            extra={
                "run": run,
                "documents": len(chunk),
                "converted": len(result.done),
                "timed_out": result.timed_out,
                "timeout": timeout,
                "returncode": result.returncode,
                "seconds": result.seconds,
            },
        )
        return result


_INPUT = ".in"  # the staged inputs' suffix: the import filter, not the name, says what they are


def _staged(index: int, suffix: str) -> str:
    return f"{index:05d}{suffix}"


def _begins(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(magic)) == magic
    except OSError:
        return False


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group `proc` leads (started with start_new_session=True)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _publish(raw: Path, target: Path) -> Path:
    """Move a made file into place; a reader never sees a half-written file."""
    partial = target.with_name(f".{target.name}.part")
    shutil.copyfile(raw, partial)
    os.replace(partial, target)
    return target


def _detail(runs: Sequence[_RunResult], sources: Sequence[Path]) -> str:
    """What went wrong in the runs that held failed documents: timeouts, exit codes, stderr tails."""
    parts = []
    for r in runs:
        head = f"[{', '.join(sources[i].name for i in r.chunk)}]"
        state = "timed out" if r.timed_out else f"exit code {r.returncode}"
        missing = ", ".join(sources[i].name for i in r.missing) or "none"
        parts.append(f"{head} {state}, {r.seconds} s; missing: {missing}\n{r.stderr.strip()}")
    return "\n".join(parts)[-4 * _STDERR_TAIL :]
