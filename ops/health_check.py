"""Is an environment serving? The frontend, the API's health route, TLS, and response times against settings.

Exit 0 when every check passes, 1 otherwise (CI gates on it), 2 on bad arguments.

    python -m ops.health_check --env staging
    python -m ops.health_check --env production --candidate   # the release under test, before traffic
"""

from __future__ import annotations

import argparse
import http.client
import socket
import ssl
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared import ENVIRONMENTS, Settings, SettingsError, load_settings
from shared.contract import CANDIDATE_HEADER, CANDIDATE_HEADER_VALUE, SERVICES

SECONDS_PER_DAY = 86400
# Per request: a hung endpoint fails the check rather than the job's timeout.
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def check_certificate(host: str, port: int, context: ssl.SSLContext, minimum_days: int, now: float) -> Result:
    name = f"TLS certificate of {host}"
    try:
        with (
            socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            certificate = tls.getpeercert()
    except (ssl.SSLError, ssl.CertificateError) as error:
        return Result(name, False, f"invalid: {error}")
    except OSError as error:
        return Result(name, False, f"unreachable: {error}")
    days = int((ssl.cert_time_to_seconds(certificate["notAfter"]) - now) // SECONDS_PER_DAY)
    detail = f"valid, expires in {days} days (alert below {minimum_days})"
    return Result(name, days >= minimum_days, detail)


def check_endpoint(
    name: str,
    host: str,
    port: int,
    path: str,
    context: ssl.SSLContext,
    limit_seconds: float,
    headers: dict[str, str],
) -> Result:
    connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT_SECONDS, context=context)
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        return Result(f"{name} {path}", False, f"no response: {error}")
    finally:
        connection.close()
    elapsed = time.monotonic() - started
    problems = []
    if not 200 <= status < 400:
        problems.append(f"HTTP {status}")
    if elapsed > limit_seconds:
        problems.append(f"slower than {limit_seconds:g} s")
    detail = f"HTTP {status} in {elapsed:.2f} s (limit {limit_seconds:g} s)"
    return Result(f"{name} {path}", not problems, detail + (f" - {', '.join(problems)}" if problems else ""))


ENDPOINTS = {name: SERVICES[name].health_path for name in ("web", "api")}


def run_checks(
    settings: Settings,
    url: str,
    ca_file: str | None,
    now: float | None = None,
    endpoints: tuple[str, ...] = tuple(ENDPOINTS),
    candidate: bool = False,
) -> list[Result]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{url} is not an https:// URL")
    host, port = parts.hostname, parts.port or 443
    headers = {"Host": parts.netloc, "User-Agent": "bookedbarber-health-check"}
    if candidate:
        # Both load balancers route this to the release under test: GCP to the revisions tagged `candidate`
        # (gcp_stacks/routing.py), AWS's test listener rules to the blue/green deployment's new revision.
        headers[CANDIDATE_HEADER] = CANDIDATE_HEADER_VALUE
    context = tls_context(ca_file)
    limit = settings.thresholds.response_time_seconds
    results = [check_certificate(host, port, context, settings.thresholds.certificate_expiry_days, now or time.time())]
    for name in endpoints:
        results.append(check_endpoint(name, host, port, ENDPOINTS[name], context, limit, headers))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env", required=True, help="one of " + ", ".join(ENVIRONMENTS) + ": thresholds and default URL"
    )
    parser.add_argument("--url", help="base URL to check; default https://<settings.domain.app_domain>")
    parser.add_argument("--ca-file", help="trust this CA bundle instead of the system's (tests, private CAs)")
    parser.add_argument(
        "--only", choices=tuple(ENDPOINTS), help="check one service (e.g. a URL that serves only that one)"
    )
    parser.add_argument(
        "--candidate",
        action="store_true",
        help=f"send {CANDIDATE_HEADER}: {CANDIDATE_HEADER_VALUE}: check the release under test (both clouds)",
    )
    parser.add_argument("--attempts", type=int, default=1, help="retry the whole check this many times")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between attempts")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    url = args.url or f"https://{settings.domain.app_domain}"
    for attempt in range(1, max(args.attempts, 1) + 1):
        try:
            endpoints = (args.only,) if args.only else tuple(ENDPOINTS)
            results = run_checks(settings, url, args.ca_file, endpoints=endpoints, candidate=args.candidate)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        healthy = all(result.ok for result in results)
        which = " (candidate revisions)" if args.candidate else ""
        print(f"health of {settings.environment} at {url}{which} (attempt {attempt}/{args.attempts}):")
        for result in results:
            print("  " + result.line())
        if healthy:
            print("healthy")
            return 0
        if attempt < args.attempts:
            time.sleep(args.interval)
    print("UNHEALTHY", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
