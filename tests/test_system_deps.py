"""`make system-deps` says exactly what to install when it cannot install it itself."""

import os
import subprocess
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "system-deps.sh"


def run(path: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), *args],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def fake_bin(tmp_path: Path, keep: list[str], uid: str) -> str:
    """A PATH with only the named real commands and an `id` that reports ``uid``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in keep:
        real = subprocess.run(
            ["/bin/bash", "-c", f"command -v {name}"], capture_output=True, text=True
        ).stdout.strip()
        if real:
            (bin_dir / name).symlink_to(real)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    return str(bin_dir)


BASICS = ["awk", "grep", "cat", "printf", "fc-list", "sort"]


def test_check_mode_names_missing_packages(tmp_path):
    result = run(fake_bin(tmp_path, BASICS, "0"), "--check")
    assert result.returncode == 1
    assert "libreoffice-impress-nogui" in result.stderr and "chromium" in result.stderr


def test_without_root_it_prints_the_exact_install_command(tmp_path):
    result = run(fake_bin(tmp_path, BASICS, "1000"))
    assert result.returncode == 1
    assert "apt-get install -y --no-install-recommends" in result.stderr
    assert "libreoffice-impress-nogui" in result.stderr and "gettext" in result.stderr


def test_passes_on_this_machine():
    result = run(os.environ["PATH"], "--check")
    assert result.returncode == 0, result.stderr


def test_redis_is_asked_for_only_with_with_redis(tmp_path):
    path = fake_bin(tmp_path, BASICS, "0")
    assert "redis-server" not in run(path, "--check").stderr
    assert "redis-server" in run(path, "--check", "--with-redis").stderr
