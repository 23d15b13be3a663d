"""Protected files through a real nginx, as in production (README, "Serving protected
files"): Django checks permission and answers X-Accel-Redirect; nginx sends the bytes from an
``internal`` location, ranges included; nobody can fetch that location directly."""

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONFIG = """
worker_processes 1;
master_process off;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include /etc/nginx/mime.types;
    server {{
        listen 127.0.0.1:{port};
        location /protected/ {{
            internal;
            alias {media}/;
            add_header X-Content-Type-Options nosniff;
            add_header Cache-Control "private, max-age=3600";
        }}
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nginx(live_server, settings, tmp_path):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is not installed: run make system-deps (Debian package nginx-light)")
    settings.ELEARN_PROTECTED_FILES = "x-accel-redirect"
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        CONFIG.format(
            prefix=tmp_path,
            port=port,
            media=Path(settings.MEDIA_ROOT).resolve(),
            upstream=live_server.url,
        )
    )
    process = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
    yield base
    process.terminate()
    process.wait(timeout=10)


def fetch(url: str, cookie: str = "", **headers):
    request = urllib.request.Request(url, headers={"Cookie": cookie, **headers})  # noqa: S310 - http to loopback
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_sends_protected_files_only_after_django_said_yes(nginx, settings):
    from courses.demo_content import load_demo

    objects = load_demo()
    slide = objects["deck"].slides.get(number=2)
    video = objects["video"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="member"))
    member = f"sessionid={client.cookies['sessionid'].value}"

    status, headers, body = fetch(nginx + slide.src, member)
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert "X-Accel-Redirect" not in headers  # nginx consumed it
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["ETag"]  # nginx's own
    assert headers["Cache-Control"].startswith("private")
    # The deck's own file: other tests' decks have files of the same name in MEDIA_ROOT.
    name = slide.src.split("/files/", 1)[1]
    on_disk = Path(settings.MEDIA_ROOT) / "decks" / "derived" / str(slide.deck_id) / name
    assert body == on_disk.read_bytes()

    rendition = video.renditions.first().url
    status, headers, body = fetch(nginx + rendition, member, Range="bytes=0-1023")
    assert status == 206 and len(body) == 1024
    assert headers["Content-Range"].startswith("bytes 0-1023/")

    # A visitor is refused by Django; nobody reaches the internal location directly.
    welcome = objects["welcome_lecture"]
    welcome.preview = False
    welcome.save_revision().publish()
    assert fetch(nginx + rendition)[0] == 404
    assert fetch(nginx + slide.src)[0] == 404
    assert (
        fetch(nginx + "/protected/" + on_disk.relative_to(settings.MEDIA_ROOT).as_posix())[0] == 404
    )
