"""``aispm admission serve``: the validating admission webhook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aispm.cli.errors import fail

app = typer.Typer(help="Kubernetes validating admission webhook for AI workloads.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="admission")


@app.command("serve")
def serve(
    cert: Annotated[Path, typer.Option("--cert", help="TLS certificate (PEM).", exists=True, dir_okay=False)],
    key: Annotated[Path, typer.Option("--key", help="TLS private key (PEM).", exists=True, dir_okay=False)],
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="Policy file (approved registries and servers).", dir_okay=False),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8443,
) -> None:
    """Serve POST /validate (AdmissionReview v1) over TLS; deny pods running unapproved model servers
    or images, or exposing a model server without authentication (see docs/iac-kubernetes.md)."""
    from aispm.admission import make_server
    from aispm.posture import load_policy

    try:
        server = make_server(load_policy(policy), cert, key, host, port)
    except Exception as exc:
        fail(exc)
    typer.echo(
        f"aispm admission webhook listening on https://{host}:{server.server_address[1]}/validate", err=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
