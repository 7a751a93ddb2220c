"""The ``osallistu`` command: ``server ...``, ``kiosk ...`` and ``demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioning import kiosk_commands, server_commands
from provisioning.output import guarded

app = typer.Typer(
    help="Osallistu: offline-first participation terminals and their sync server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(server_commands.app, name="server")
app.add_typer(kiosk_commands.app, name="kiosk")


@app.command("demo")
@guarded
def demo(
    window: Annotated[bool, typer.Option("--window/--no-window", help="Open the terminal window.")] = True,
    drill: Annotated[int, typer.Option("--drill", min=0, help="Cast this many synthetic records and sync.")] = 0,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the throwaway folder at the end.")] = False,
    port: Annotated[int | None, typer.Option("--port", help="Server port (default: a free one).")] = None,
) -> None:
    """The main job: a throwaway server with the demo test process and one enrolled terminal window."""
    from provisioning.demo import run_demo

    run_demo(window=window, drill=drill, keep=keep, port=port)


def main() -> None:
    app()
