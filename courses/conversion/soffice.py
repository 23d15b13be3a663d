"""LibreOffice (headless) runner: one process per conversion, each with its own profile.

Every run gets a fresh ``-env:UserInstallation`` profile so parallel conversions never share
LibreOffice's lock file, is started in its own process group so a timeout kills the whole tree,
and runs with macros disabled and, where the kernel allows, in an empty network namespace so a
deck's linked images or OLE links cannot be fetched.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import ConversionTimeout, CorruptFile, MissingDependency, TooLarge, gettext_noop
from .sandbox import MEMORY_MESSAGE, limit_prefix, out_of_memory

FONTS_CONF = Path(__file__).with_name("fontconfig") / "fonts.conf"
DEFAULT_TIMEOUT_S = 300.0

# Written into each fresh profile before start-up. MacroSecurityLevel 3 + DisableMacrosExecution
# means no document macro ever runs. BlockUntrustedRefererLinks keeps a .pptx's or .ppt's linked
# pictures from loading, remote or on the server's own disk (nothing else stops a .ppt's; an
# .odp's pictures load regardless, hence normalise.unlink_odf).
# DefaultLocale_CJK zh-CN: East Asian text without a language tag gets Simplified Chinese glyph
# forms (the Noto CJK collection shares one glyph set; the language picks the regional forms).
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseOpenCL" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General"><prop oor:name="DefaultLocale_CJK" oor:op="fuse"><value>zh-CN</value></prop></item>
</oor:items>
"""  # noqa: E501


def find_soffice() -> str:
    """Path of the LibreOffice binary, or :class:`MissingDependency` naming the package."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise MissingDependency("LibreOffice", "libreoffice-impress-nogui")
    return found


@functools.cache
def _network_isolation_prefix() -> tuple[str, ...]:
    """``unshare -rn`` when this kernel lets us make a private, empty network namespace."""
    unshare = shutil.which("unshare")
    if not unshare:
        return ()
    try:
        ok = (
            subprocess.run(
                [unshare, "-rn", "true"], capture_output=True, timeout=5, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        ok = False
    return (unshare, "-rn") if ok else ()


def _environment(profile: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k in {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SAL_USE_VCLPLUGIN"}
    }
    env.setdefault("PATH", "/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env["HOME"] = str(profile)  # LibreOffice writes caches under $HOME; keep them per run
    env["TMPDIR"] = str(profile / "tmp")  # and temporary files: parallel runs never collide
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    # Belt and braces where no network namespace can be had: proxies to a closed local port
    # make any attempt to fetch a linked file fail at once instead of reaching out.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ftp_proxy"):
        env[var] = "http://127.0.0.1:9"
    return env


def run_soffice(
    args: list[str], timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``soffice --headless <args>`` with a throw-away profile, killed after ``timeout`` s,
    its address space capped at ``memory_mb`` (None: ``ELEARN_CONVERSION_MEMORY_MB``)."""
    binary = find_soffice()
    profile = Path(tempfile.mkdtemp(prefix="elearn-lo-"))
    try:
        (profile / "user").mkdir()
        (profile / "tmp").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        cmd = [
            *_network_isolation_prefix(),
            *limit_prefix(memory_mb),
            # Lower priority: the deck's text (extracted meanwhile) must be ready within 2 s.
            *((shutil.which("nice") or "nice", "-n", "10") if shutil.which("nice") else ()),
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            *args,
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(profile),
            cwd=str(profile),
            start_new_session=True,  # own process group: the timeout kills oosplash and soffice.bin
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            raise ConversionTimeout(detail=f"soffice exceeded {timeout:g} s") from exc
        except BaseException:
            _kill_group(proc)
            raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _convert(
    src: Path, out_dir: Path, filter_spec: str, suffix: str, timeout: float, memory_mb=None
) -> Path:
    # absolute(), not resolve(): LibreOffice writes a lock file beside the document it opens,
    # which must be our link in the work directory, never the stored upload's folder.
    src = Path(src).absolute()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (src.stem + suffix)
    target.unlink(missing_ok=True)
    result = run_soffice(
        ["--convert-to", filter_spec, "--outdir", str(out_dir), str(src)],
        timeout=timeout,
        memory_mb=memory_mb,
    )
    # soffice exits 0 even after "source file could not be loaded": the output is the proof.
    if not target.is_file() or target.stat().st_size == 0:
        log = (result.stderr or b"").decode("utf-8", "replace").strip()[-500:]
        if out_of_memory(log, result.returncode):
            # Past the memory ceiling (prlimit) or killed by the kernel for want of memory.
            raise TooLarge(MEMORY_MESSAGE, detail=f"soffice rc={result.returncode}: {log}")
        raise CorruptFile(
            gettext_noop(
                "LibreOffice could not open this presentation. Open it in PowerPoint or "
                "LibreOffice, save it again as .pptx, and upload the new copy."
            ),
            detail=f"soffice rc={result.returncode}: {log}",
        )
    return target


def convert_to_pdf(
    src: str | Path,
    out_dir: str | Path,
    timeout: float = DEFAULT_TIMEOUT_S,
    page_range: tuple[int, int] | None = None,
    memory_mb: int | None = None,
) -> Path:
    """Convert a presentation to PDF, one page per slide *including hidden slides*.

    ``page_range`` (1-based, inclusive) exports only those slides, so two processes can share
    a long deck. Returns ``out_dir/<src stem>.pdf``; raises :class:`CorruptFile` when LibreOffice
    could not load the file and :class:`ConversionTimeout` after ``timeout`` seconds.
    """
    options: dict[str, dict[str, str]] = {
        # Without this LibreOffice silently leaves hidden slides out of the PDF.
        "ExportHiddenSlides": {"type": "boolean", "value": "true"},
        # Notes pages would add pages; slide images need exactly one page per slide.
        "ExportNotesPages": {"type": "boolean", "value": "false"},
    }
    if page_range:
        options["PageRange"] = {"type": "string", "value": f"{page_range[0]}-{page_range[1]}"}
    spec = "pdf:impress_pdf_Export:" + json.dumps(options, separators=(",", ":"))
    return _convert(Path(src), Path(out_dir), spec, ".pdf", timeout, memory_mb)


def convert_to_pptx(
    src: str | Path,
    out_dir: str | Path,
    timeout: float = DEFAULT_TIMEOUT_S,
    memory_mb: int | None = None,
) -> Path:
    """Convert .ppt/.odp/Strict OOXML to a transitional .pptx that python-pptx can read."""
    return _convert(
        Path(src),
        Path(out_dir),
        "pptx:Impress MS PowerPoint 2007 XML",
        ".pptx",
        timeout,
        memory_mb,
    )
