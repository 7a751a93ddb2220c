"""``osallistu kiosk ...``: the terminal's side, for set-up, drills and maintenance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from provisioning.output import console, fail, guarded, print_json

app = typer.Typer(help="Enroll, sync, export and run a touch terminal.", no_args_is_help=True)

KdirArg = Annotated[Path, typer.Argument(help="The terminal's data folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def sync_summary(report: Any, status: dict[str, Any]) -> dict[str, Any]:
    push = report.push
    return {
        "seals_made": report.seals_made,
        "sent": push.records_sent,
        "seals_sent": push.seals_sent,
        "requests": push.requests,
        **{name: push.statuses.get(name, 0) for name in ("accepted", "duplicate", "quarantined", "rejected")},
        "problems": [problem.model_dump() for problem in push.problems],
        "ack_seq": push.ack_seq,
        "manifest": {"status": report.manifest.status, "serial": report.manifest.serial},
        "pending": status["pending"],
        "finished_at": report.finished_at,
    }


def _terminal(kdir: Path) -> Any:
    from kiosk.terminal import Terminal

    return Terminal.open(kdir)


@app.command("enroll")
@guarded
def enroll(
    kdir: KdirArg,
    server: Annotated[str, typer.Option("--server", help="The server address, e.g. https://osallistu.example.fi.")],
    token: Annotated[str, typer.Option("--token", help="The one-time token from 'osallistu server enroll-token'.")],
    pin: Annotated[
        str | None,
        typer.Option("--pin", help="The librarian PIN (4-8 digits); asked for when not given."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Make the terminal's key here, register it, pin the server key, pull the manifest."""
    from kiosk.enroll import enroll_terminal

    if pin is None:
        pin = os.environ.get("OSALLISTU_PIN") or typer.prompt(
            "Librarian PIN", hide_input=True, confirmation_prompt=True
        )
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        fail("The librarian PIN must be 4 to 8 digits.")
    with console.status("Enrolling the terminal ..."):
        terminal = enroll_terminal(kdir, server_url=server, token=token, pin=pin)
    status = terminal.status()
    if as_json:
        print_json(status)
        return
    console.print(f"Enrolled terminal {terminal.device_id} with {server}; manifest {status.get('manifest_serial')}.")


@app.command("sync")
@guarded
def sync(kdir: KdirArg, as_json: JsonOpt = False) -> None:
    """Seal what may be sealed, push it, and pull the newest manifest."""
    terminal = _terminal(kdir)
    with console.status("Syncing with the server ..."):
        report = terminal.sync()
    summary = sync_summary(report, terminal.status())
    if as_json:
        print_json(summary)
        return
    console.print(
        f"Synced: {summary['sent']} sent, {summary['accepted']} accepted, {summary['duplicate']} already there, "
        f"{summary['quarantined']} quarantined; server holds seals up to {summary['ack_seq']}; "
        f"{summary['pending']} records wait for the minimum batch; manifest {summary['manifest']['serial']} "
        f"({summary['manifest']['status']})."
    )
    for problem in summary["problems"][:10]:
        console.print(
            f"  {problem['status']}: {problem.get('kind') or 'line'} {problem['hash'][:12]} ({problem['reason']})"
        )


@app.command("export")
@guarded
def export(
    kdir: KdirArg, file: Annotated[Path, typer.Argument(help="Where to write the bundle (e.g. on a USB stick).")]
) -> None:
    """Seal what may be sealed, then write a signed bundle for a USB stick."""
    terminal = _terminal(kdir)
    with console.status("Writing the bundle ..."):
        report = terminal.export(file)
    if report.seals == 0:
        console.print(f"Wrote {report.path}: nothing unacknowledged to carry (an empty, signed bundle).")
    else:
        console.print(
            f"Wrote {report.path}: seals {report.first_seq} to {report.last_seq}, {report.records} records, "
            f"{report.size} bytes. Import it with 'osallistu server import'."
        )


@app.command("import-reply")
@guarded
def import_reply(
    kdir: KdirArg,
    file: Annotated[Path, typer.Argument(help="The reply file from the server (e.g. on a USB stick).")],
    as_json: JsonOpt = False,
) -> None:
    """Read the server's reply from a USB stick: which seals it holds, and the newest manifest."""
    terminal = _terminal(kdir)
    report = terminal.import_reply(file)
    summary = {
        "ack_seq": report.ack_seq,
        "seals_confirmed": report.seals_confirmed,
        "records_confirmed": report.records_confirmed,
        "manifest": {"status": report.manifest, "serial": report.manifest_serial},
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"Read {file.name}: {report.records_confirmed} records newly confirmed by the server "
        f"(seals up to {report.ack_seq}); manifest {report.manifest_serial} ({report.manifest})."
    )


@app.command("status")
@guarded
def status(
    kdir: KdirArg,
    as_json: JsonOpt = False,
    offline: Annotated[bool, typer.Option("--offline", help="Do not try to reach the server.")] = False,
) -> None:
    """Pending, sealed and acknowledged counts, last sync, and whether the server answers."""
    data = _terminal(kdir).status(check_server=not offline)
    if as_json:
        print_json(data)
        return
    reachable = {True: "yes", False: "no", None: "not checked"}[data.get("server_reachable")]
    console.print(f"Terminal {data['device']} -> {data['server']}")
    console.print(
        f"Pending {data['pending']}, sealed {data['sealed']}, acknowledged {data['acknowledged']}; "
        f"last sync {data.get('last_sync') or 'never'} ({'ok' if data.get('last_sync_ok') else 'failed or none'}); "
        f"server reachable: {reachable}; manifest {data.get('manifest_serial') or 'none'}."
    )


@app.command("drill")
@guarded
def drill(
    kdir: KdirArg,
    process: Annotated[str, typer.Option("--process", help="A test process id (e.g. demo).")],
    count: Annotated[int, typer.Option("--count", min=1, max=1_000_000, help="How many records to cast.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed for repeatable drills.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Cast N synthetic records through the screens' capture path, only into a test process."""
    from rich.progress import Progress

    terminal = _terminal(kdir)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Casting into {process}", total=count)
        report = terminal.drill(
            process, count, seed, progress=lambda done, _total: progress.update(task, completed=done)
        )
    summary = {
        "process": report.process,
        "seed": report.seed,
        "count": sum(report.cast.values()),
        "by_kind": dict(report.cast),
    }
    if as_json:
        print_json(summary)
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary["by_kind"].items()))
    console.print(f"Cast {summary['count']} records into test process {process}: {kinds}.")


def open_window(kdir: Path) -> None:
    """Start the Kivy app; Kivy must neither read our command line nor flood the console."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    from kiosk.app import run_terminal

    run_terminal(kdir)


@app.command("run")
@guarded
def run(kdir: KdirArg) -> None:
    """Run the Kivy touch terminal app."""
    open_window(kdir)
