"""``python -m devhost``: the whole app on this machine (what ``make run`` starts).

Starts Azurite and the local Cosmos server (unless ``--external-services``), prepares the
schema, a first model and a demo catalogue, then serves the function app on 127.0.0.1:7071,
the SignalR Service emulation on the port of ``SignalR__connectionString``, a fake WhatsApp
Graph API on the port of ``WhatsApp__baseUrl`` (when it is local), and the dashboard.
Ctrl-C stops everything it started, and so does a failure at start (a port already taken):
the HTTP port is bound before anything is started, and the services are stopped on any exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

import httpx
import uvicorn

from devhost import bindings, bootstrap, easyauth, eventgrid, host, swa, swa_cli, triggers
from devhost.services import LocalServices

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("devhost")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    p.add_argument("--port", type=int, default=7071)
    p.add_argument(
        "--external-services",
        action="store_true",
        help="use the Cosmos/Azurite settings already in the environment",
    )
    p.add_argument("--no-seed", action="store_true", help="skip the demo catalogue")
    p.add_argument("--no-timers", action="store_true", help="do not fire timer triggers")
    p.add_argument("--keys", type=Path, default=ROOT / ".local" / "host-keys.json")
    p.add_argument("--cosmos-port", type=int, default=8081, help="the local Cosmos server's port")
    p.add_argument(
        "--blob-port", type=int, default=10000, help="Azurite's blob port (queue +1, table +2)"
    )
    p.add_argument("--services-dir", type=Path, default=ROOT / ".local" / "azurite")
    p.add_argument(
        "--swa-port",
        type=int,
        default=swa_cli.DEFAULT_PORT,
        help="the Static Web Apps CLI's port, the local Static Web App (0: do not start it)",
    )
    return p.parse_args(argv)


def signalr_port(connection_string: str) -> int | None:
    for part in connection_string.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "endpoint":
            return urlparse(value.strip()).port
    return None


def local_graph_port(base_url: str) -> int | None:
    """The fake WhatsApp Graph API's port when the base URL is on this machine."""
    url = urlparse(base_url)
    return url.port if url.hostname in ("127.0.0.1", "localhost") else None


def access_key(connection_string: str) -> str:
    for part in connection_string.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "accesskey":
            return value.strip()
    raise ValueError("SignalR__connectionString has no AccessKey")


def serve_in_thread(app, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"could not serve on 127.0.0.1:{port} (is the port taken?)")
        thread.join(0.05)
    return server


def bind(port: int) -> socket.socket:
    """The HTTP socket, bound before anything starts: a taken port fails at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def prepare(seed: bool) -> None:
    """Schema, first model and demo catalogue: what a fresh local stack needs to rank."""
    from demo.seed import ensure_catalogue, ensure_demo
    from shared.adapters.cosmos import get_store
    from shared.catalogue import demo
    from shared.core.dataset import using

    store = get_store()
    store.ensure_schema()
    ensure_demo(store, seed=False)  # the first model
    if seed and demo.running():  # the demo's catalogue, in its own dataset
        with using("demo"):
            ensure_catalogue(get_store())


def allow_uploads_from(origins: list[str]) -> None:
    """Blob CORS for the dashboard's direct uploads (``POST /api/imports/uploads``), as the
    Bicep sets it on the storage account in Azure. Origins already allowed stay allowed: several
    local hosts may share one Azurite."""
    from azure.storage.blob import BlobServiceClient, CorsRule

    conn = os.environ.get("ModelStorage__connectionString", "")
    if not conn:
        return
    service = BlobServiceClient.from_connection_string(conn)
    allowed = set(origins)
    for rule in service.get_service_properties().get("cors") or []:
        allowed.update(o for o in rule.allowed_origins.split(",") if o)
    rule = CorsRule(
        sorted(allowed),
        ["PUT", "OPTIONS"],
        allowed_headers=[
            "content-type",
            "x-ms-blob-type",
            "x-ms-version",
            "x-ms-client-request-id",
        ],
        exposed_headers=["etag", "x-ms-request-id"],
        max_age_in_seconds=3600,
    )
    service.set_service_properties(cors=[rule])


def _terminate(signum, frame) -> None:
    # SIGTERM before the server runs (while preparing) must still stop the services started.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)
    # The local Cosmos server's certificate is self-signed; verification is off only locally.
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    for name, value in bootstrap.local_settings().items():
        os.environ.setdefault(name, value)

    try:
        sock = bind(args.port)
    except OSError as exc:
        log.error("cannot listen on 127.0.0.1:%d: %s", args.port, exc)
        return 1
    services: LocalServices | None = None
    try:
        if not args.external_services:
            services = LocalServices(
                cosmos_port=args.cosmos_port,
                blob_port=args.blob_port,
                queue_port=args.blob_port + 1,
                table_port=args.blob_port + 2,
                workdir=args.services_dir,
            )
            services.start()
            os.environ.update(services.env())
        return serve(args, sock)
    except KeyboardInterrupt:
        return 0
    except Exception:
        log.exception("devhost failed")
        return 1
    finally:
        sock.close()
        if services is not None:
            services.stop()


def serve(args: argparse.Namespace, sock: socket.socket) -> int:
    conn = os.environ.get("SignalR__connectionString", "")
    if conn and (port := signalr_port(conn)):
        from devhost.signalr_service import create_app as signalr_app

        serve_in_thread(signalr_app(access_key(conn)), port)
    from function_app import app as function_app
    from shared.adapters.cosmos import get_store

    # What the host checks when it indexes the functions: every %NAME% resolves, every
    # connection is configured. A function the host would report in error stops devhost here.
    try:
        bindings.index_app(function_app, os.environ)
    except bindings.HostStartupError as exc:
        for error in exc.errors:
            log.error("%s", error)
        return 1
    prepare(seed=not args.no_seed)

    stop = threading.Event()
    keys = host.load_keys(args.keys)
    if port := local_graph_port(os.environ.get("WhatsApp__baseUrl", "")):
        from devhost.whatsapp_service import create_app as graph_app

        # It notifies the app's WhatsApp webhook as Meta would (signed with the app secret).
        serve_in_thread(
            graph_app(
                os.environ.get("WhatsApp__accessToken", ""),
                os.environ.get("WhatsApp__phoneNumberId", ""),
                webhook=f"http://127.0.0.1:{args.port}/api/integrations/whatsapp/webhook"
                f"?code={keys['default']}",
                app_secret=os.environ.get("WhatsApp__appSecret") or None,
            ),
            port,
        )
    if port := local_graph_port(os.environ.get("AmazonSpApi__endpoint", "")):
        from devhost.fake_sp_api import FakeSpApi

        # The catch-up and the history report call it with the local credentials; it starts
        # empty (orders come from tests, or put_order in a shell).
        fake_sp_api = FakeSpApi(
            client_id=os.environ.get("AmazonSpApi__lwaClientId", ""),
            client_secret=os.environ.get("AmazonSpApi__lwaClientSecret", ""),
            refresh_token=os.environ.get("AmazonSpApi__refreshToken", ""),
        )
        try:
            fake_sp_api.start(port)
        except OSError:
            # Another devhost on this machine serves it already (parallel test hosts).
            log.warning("port %s is taken: this devhost starts no fake SP-API", port)
    pollers = [
        triggers.ChangeFeedPoller(name, b, fn, get_store(), stop)
        for name, b, fn in triggers.triggers_of(function_app, "cosmosDBTrigger")
    ]
    timers = [
        triggers.TimerRunner(name, b, fn, stop)
        for name, b, fn in triggers.triggers_of(function_app, "timerTrigger")
    ]
    blob_functions = [
        triggers.blob_trigger(name, b, fn, stop)
        for name, b, fn in triggers.triggers_of(function_app, "blobTrigger")
    ]
    # Event Grid's subscriptions post to the host over HTTP, through App Service auth's
    # stand-in, with the blobs extension's system key (infra/bicep/modules/eventgrid.bicep).
    events_client = httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60)
    blob_events = [
        eventgrid.BlobEventSubscription(
            f.fn_name,
            f.container,
            f.prefix,
            f.blobs,
            f.blob_url,
            f"{eventgrid.WEBHOOK_PATH}?functionName={eventgrid.FUNCTION_PREFIX}{f.fn_name}"
            f"&code={keys['blobs_extension']}",
            events_client,
            stop,
        )
        for f in blob_functions
    ]
    workers = pollers + blob_events + timers
    started = pollers + blob_events + ([] if args.no_timers else timers)

    @asynccontextmanager
    async def lifespan(_app):
        for worker in started:
            worker.start()
        yield
        stop.set()

    def invoke(name: str) -> None:
        """Run a timer or change-feed function now, as the admin API of the host does."""
        for worker in workers:
            if worker.fn_name == name:
                worker.run_once()
                return
        raise KeyError(name)

    routes = host.build_routes(function_app, keys, principal_for=swa.principal_header)
    routes += host.admin_routes(function_app, keys, invoke)
    routes.append(eventgrid.BlobsExtension(blob_functions, keys).route())
    api = easyauth.AppServiceAuth(host.function_host(routes, lifespan=lifespan))
    own = [f"http://127.0.0.1:{args.port}", f"http://localhost:{args.port}"]
    cli = None
    if args.swa_port:
        # Microsoft's Static Web Apps CLI in front of devhost: the dashboard's origin is its.
        cli = swa_cli.SwaCli(
            ROOT / "dashboard" / "dist",
            f"http://127.0.0.1:{args.port}",
            args.keys.parent / "swa",
            port=args.swa_port,
        )
        own += swa_cli.origins(args.swa_port)
    allow_uploads_from(own)
    config = swa.SwaConfig.load(csp_additions=swa.local_csp_additions(os.environ))
    app = swa.StaticWebApp(api, ROOT / "dashboard" / "dist", own, config)
    _banner(args.port, keys, cli)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")
    )
    try:
        if cli is not None:
            cli.start(os.environ)  # it waits for the API to answer, then listens
        server.run(sockets=[sock])
    finally:
        if cli is not None:
            cli.stop()
    return 0 if server.started else 1


def _banner(port: int, keys: dict[str, str], cli: swa_cli.SwaCli | None = None) -> None:
    from demo.example import signed_curl

    base = f"http://127.0.0.1:{port}"
    dashboard = (
        f"{cli.url}/ (Static Web Apps CLI; devhost's stand-in: {base}/)" if cli else f"{base}/"
    )
    print(
        f"\nReSight is running.\n  Dashboard: {dashboard}\n  API:       {base}/api/metrics\n"
        f"  OpenAPI:   {base}/api/openapi.json\n\nA signed test order:\n\n"
        f"{signed_curl(base, keys['default'])}\n\nCtrl-C stops everything.\n",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
