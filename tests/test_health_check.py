"""ops/health_check.py against a local HTTPS server (127.0.0.1 only) with certificates made in the test."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ops import health_check
from shared import load_settings, replace_field
from shared.contract import API, CANDIDATE_HEADER, CANDIDATE_HEADER_VALUE, WEB

THRESHOLDS = load_settings("staging").thresholds


def _certificate(directory: Path, name: str, days: int) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA), valid for `days`."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", str(days), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    return {
        "valid": _certificate(directory, "valid", THRESHOLDS.certificate_expiry_days + 60),
        "expiring": _certificate(directory, "expiring", THRESHOLDS.certificate_expiry_days - 10),
    }


@contextmanager
def https_server(
    cert: Path,
    key: Path,
    statuses: dict[str, int],
    delay_seconds: float = 0.0,
    candidate_statuses: dict[str, int] | None = None,
):
    """`candidate_statuses` answer requests carrying the candidate header, as the GCP load balancer routes them."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay_seconds)
            candidate = self.headers.get(CANDIDATE_HEADER) == CANDIDATE_HEADER_VALUE
            answers = candidate_statuses if candidate and candidate_statuses is not None else statuses
            self.send_response(answers.get(self.path, 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


HEALTHY = {WEB.health_path: 200, API.health_path: 200}


def _check(url: str, ca: Path | None, capsys) -> tuple[int, str]:
    args = ["--env", "staging", "--url", url] + (["--ca-file", str(ca)] if ca else [])
    code = health_check.main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_healthy_environment_passes(certificates, capsys):
    cert, key = certificates["valid"]
    with https_server(cert, key, HEALTHY) as url:
        code, report = _check(url, cert, capsys)
    assert code == 0, report
    assert report.count("PASS") == 3 and "FAIL" not in report
    assert f"alert below {THRESHOLDS.certificate_expiry_days}" in report
    assert f"limit {THRESHOLDS.response_time_seconds:g} s" in report


def test_a_failing_api_health_route_fails_the_check(certificates, capsys):
    cert, key = certificates["valid"]
    with https_server(cert, key, {**HEALTHY, API.health_path: 503}) as url:
        code, report = _check(url, cert, capsys)
    assert code == 1
    assert f"FAIL  api {API.health_path}: HTTP 503" in report
    assert f"PASS  web {WEB.health_path}" in report
    assert "UNHEALTHY" in report


def test_a_certificate_close_to_expiry_fails_the_check(certificates, capsys):
    cert, key = certificates["expiring"]
    with https_server(cert, key, HEALTHY) as url:
        code, report = _check(url, cert, capsys)
    assert code == 1
    assert "FAIL  TLS certificate of 127.0.0.1: valid, expires in" in report


def test_an_untrusted_certificate_fails_the_check(certificates, capsys):
    cert, key = certificates["valid"]
    with https_server(cert, key, HEALTHY) as url:
        code, report = _check(url, None, capsys)
    assert code == 1
    assert "FAIL  TLS certificate of 127.0.0.1: invalid" in report


@pytest.mark.parametrize(("limit_seconds", "ok"), [(5.0, True), (0.01, False)])
def test_response_time_is_held_to_the_settings_threshold(certificates, limit_seconds, ok):
    cert, key = certificates["valid"]
    settings = replace_field(load_settings("staging"), "thresholds.response_time_seconds", limit_seconds)
    with https_server(cert, key, HEALTHY, delay_seconds=0.05) as url:
        results = health_check.run_checks(settings, url, str(cert))
    endpoints = [result for result in results if result.name.startswith(("web", "api"))]
    assert all(result.ok is ok for result in endpoints), [result.line() for result in endpoints]


def test_plain_http_is_refused(capsys):
    code, report = _check("http://127.0.0.1:9", None, capsys)
    assert code == 2 and "not an https:// URL" in report


def test_one_service_can_be_checked_alone(certificates, capsys):
    """A Cloud Run revision's tag URL serves one service: the web service's `/` is not the API's business."""
    cert, key = certificates["valid"]
    with https_server(cert, key, {API.health_path: 200}) as url:
        assert _check(url, cert, capsys)[0] == 1
        code = health_check.main(["--env", "staging", "--url", url, "--ca-file", str(cert), "--only", "api"])
    assert code == 0
    assert "web " not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("serving", "candidate", "flag", "expected"),
    [
        (HEALTHY, {}, True, 1),  # the release under test does not answer: --candidate fails...
        (HEALTHY, {}, False, 0),  # ...though the serving revisions are fine
        ({}, HEALTHY, True, 0),  # a healthy release under test passes with --candidate...
        ({}, HEALTHY, False, 1),  # ...and without the header the request never reaches it
    ],
)
def test_candidate_sends_the_contract_header(certificates, capsys, serving, candidate, flag, expected):
    cert, key = certificates["valid"]
    with https_server(cert, key, serving, candidate_statuses=candidate) as url:
        args = ["--env", "staging", "--url", url, "--ca-file", str(cert)] + (["--candidate"] if flag else [])
        code = health_check.main(args)
    report = capsys.readouterr().out
    assert code == expected, report
    assert ("(candidate revisions)" in report) is flag
