"""nginx-ws: the static check on configurations, and a real nginx proxying the reference
stack's feed on loopback, with and without the upgrade map."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from golive_action.config import load_config
from golive_action.judge.nginx import judge_nginx_ws
from golive_action.model import Verdict
from golive_action.observe.nginx import read_nginx_config
from golive_action.runner import run_gate

GOOD_SITE = """
map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}
server {
    listen 127.0.0.1:{port};
    proxy_http_version 1.1;            # inherited by the locations below
    location / {
        proxy_pass http://127.0.0.1:{web};
    }
    location /ws {
        proxy_pass http://127.0.0.1:{ws}/;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Authorization "Bearer do-not-record-me";
        proxy_read_timeout 3600s;
    }
}
"""
BAD_SITE = """
server {
    listen 127.0.0.1:{port};
    location / {
        proxy_pass http://127.0.0.1:{web};
    }
    location /ws {
        proxy_pass http://127.0.0.1:{ws}/;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 30s;
    }
}
"""


def site(template: str, port: int = 8080, web: int = 3003, ws: int = 4001) -> str:
    return template.replace("{port}", str(port)).replace("{web}", str(web)).replace("{ws}", str(ws))


def check(tmp_path: Path, text: str, location: str = "ws|socket|stream"):
    path = tmp_path / "site.conf"
    path.write_text(text)
    return judge_nginx_ws(read_nginx_config(str(path)), location)


def test_good_site_passes_and_no_other_header_value_is_recorded(tmp_path):
    result = check(tmp_path, site(GOOD_SITE))
    assert result.verdict is Verdict.PASS, result.reason
    observation = read_nginx_config(str(tmp_path / "site.conf"))
    assert "do-not-record-me" not in json.dumps(observation.to_dict())


def test_bad_site_names_every_missing_piece_with_the_line_to_add(tmp_path):
    result = check(tmp_path, site(BAD_SITE))
    assert result.verdict is Verdict.FAIL
    assert "map $http_upgrade $connection_upgrade { default upgrade; '' close; }" in result.reason
    assert "location /ws (line 7): add proxy_http_version 1.1;" in result.reason
    assert "add proxy_set_header Upgrade $http_upgrade;" in result.reason
    assert "Connection is upgrade; use proxy_set_header Connection $connection_upgrade;" in (
        result.reason
    )
    assert "proxy_read_timeout is under 60 s" in result.reason


@pytest.mark.parametrize(
    ("text", "verdict", "words"),
    [
        ("server { location /x { proxy_pass http://a; } }", Verdict.FAIL, "a location for the "),
        ("server { location /ws { proxy_pass http://a; }", Verdict.ERROR, "} is missing"),
        ('server { location /ws { proxy_pass "http://a; } }', Verdict.ERROR, "unterminated"),
    ],
)
def test_odd_configs(tmp_path, text, verdict, words):
    result = check(tmp_path, text)
    assert result.verdict is verdict and words in result.reason


def test_a_location_header_stops_inheritance(tmp_path):
    text = site(GOOD_SITE).replace(
        "proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection "
        "$connection_upgrade;",
        "",
    )
    text = text.replace(
        "server {",
        "server {\n    proxy_set_header Upgrade $http_upgrade;\n"
        "    proxy_set_header Connection $connection_upgrade;",
        1,
    )
    # /ws sets Authorization itself, so it inherits neither header from the server level.
    result = check(tmp_path, text, location="^/ws")
    assert result.verdict is Verdict.FAIL and "add proxy_set_header Upgrade" in result.reason


def test_no_config_is_skipped_and_a_missing_file_is_an_error(tmp_path):
    assert judge_nginx_ws(None, "ws").verdict is Verdict.SKIPPED
    missing = judge_nginx_ws(read_nginx_config(str(tmp_path / "nope.conf")), "ws")
    assert missing.verdict is Verdict.ERROR and "cannot be read" in missing.reason


# ----------------------------------------------------------------------------- a real nginx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def nginx(tmp_path: Path, site_text: str) -> Iterator[Path]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is not installed: .ci/run installs it (apt-get install nginx-light)")
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    site_path = prefix / "site.conf"
    site_path.write_text(site_text)
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"daemon off; master_process off; pid {prefix}/nginx.pid; "
        f"error_log {prefix}/logs/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log {prefix}/logs/access.log; client_body_temp_path {prefix}/body; "
        f"proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi; "
        f"uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;\n"
        f"include {site_path}; }}\n"
    )
    syntax = subprocess.run(
        [binary, "-t", "-p", str(prefix), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert syntax.returncode == 0, syntax.stderr
    proc = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield site_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    pytest.fail(f"nginx did not listen on {port}")


@contextlib.contextmanager
def proxied(
    tmp_path: Path, stack, template: str, scenario: str = "healthy"
) -> Iterator[tuple[int, Path]]:
    """A real nginx on a free loopback port in front of a reference stack: (port, site)."""
    s = stack(scenario)
    port = free_port()
    web = int(s.urls["web_url"].rsplit(":", 1)[1])
    ws = int(s.urls["ws_url"].rsplit(":", 1)[1])
    with nginx(tmp_path, site(template, port, web, ws)) as site_path:
        wait_for_port(port)
        yield port, site_path


def test_real_nginx_with_the_upgrade_map_proxies_the_feed(tmp_path, stack):
    with proxied(tmp_path, stack, GOOD_SITE) as (port, site_path):
        conn = websocket.create_connection(f"ws://127.0.0.1:{port}/ws", timeout=5)
        try:
            assert json.loads(conn.recv())[0] == 991
        finally:
            conn.close()
        report = run_gate(load_config({"nginx-config": str(site_path), "samples": "1"}, {}))
        assert report.check("nginx-ws").verdict is Verdict.PASS


def test_real_nginx_without_the_upgrade_map_refuses_the_upgrade(tmp_path, stack):
    with proxied(tmp_path, stack, BAD_SITE) as (port, site_path):
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            websocket.create_connection(f"ws://127.0.0.1:{port}/ws", timeout=5)
        assert info.value.status_code != 101
        report = run_gate(load_config({"nginx-config": str(site_path), "samples": "1"}, {}))
        result = report.check("nginx-ws")
        assert result.verdict is Verdict.FAIL and "upgrade map" in result.reason


def test_a_5xx_spike_in_a_real_nginx_access_log(tmp_path, stack):
    """Requests through nginx to the error-burst stack: nginx logs the 500s; the gate reads
    the log and finds the spike."""
    import requests

    with proxied(tmp_path, stack, GOOD_SITE, "error-burst") as (port, _site):
        statuses = [
            requests.get(f"http://127.0.0.1:{port}/api/public/health", timeout=5).status_code
            for _ in range(12)
        ]
        assert statuses.count(500) == 3
    log = tmp_path / "nginx" / "logs" / "access.log"
    report = run_gate(load_config({"access-log": str(log), "samples": "1"}, {}))
    spike = report.check("5xx-spike")
    assert spike.verdict is Verdict.FAIL
    assert f"access log {log}" in spike.reason
    assert spike.metrics["log_responses"] == 12


@pytest.mark.parametrize(
    ("template", "verdict"), [(GOOD_SITE, Verdict.PASS), (BAD_SITE, Verdict.FAIL)]
)
def test_the_websocket_probe_through_a_real_nginx(tmp_path, stack, template, verdict):
    with proxied(tmp_path, stack, template) as (port, _site):
        inputs = {
            "ws-url": f"ws://127.0.0.1:{port}/ws",
            "duration": "2",
            "samples": "1",
            "ws-ping-interval-s": "0.4",
        }
        report = run_gate(load_config(inputs, {}))
    opened = report.check("ws-open")
    assert opened is not None and opened.verdict is verdict, opened.reason
    if verdict is Verdict.FAIL:
        assert "did not upgrade" in opened.reason and "$connection_upgrade" in opened.reason
    else:
        assert report.check("ws-feed").verdict is Verdict.PASS
