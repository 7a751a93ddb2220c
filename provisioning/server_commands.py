"""``osallistu server ...``: the city's side."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from provisioning.output import console, fail, guarded, print_json

app = typer.Typer(help="Run and administer the central sync server.", no_args_is_help=True)

DirArg = Annotated[Path, typer.Argument(help="The server's data folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://host/db.")]


def _settings(directory: Path, database_url: str | None = None) -> Any:
    from sync_server.admin import load_settings

    return load_settings(directory, database_url=database_url)


@app.command("init")
@guarded
def init(
    directory: DirArg,
    demo: Annotated[bool, typer.Option("--demo", help="Add the test process 'demo' with every activity.")] = False,
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a new server data folder: database, signing key, sealing key pair, settings."""
    from sync_server.admin import init_data_dir

    info = init_data_dir(directory, demo=demo, database_url=database_url)
    if as_json:
        print_json(info)
        return
    console.print(f"Server data folder ready: [bold]{info['dir']}[/bold]")
    console.print(f"Server key fingerprint: {info['server_key_fingerprint']}")
    for process in info.get("processes", []):
        console.print(f"Process: {process}")


@app.command("run")
@guarded
def run(
    directory: DirArg,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DbOpt = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Server processes (default: one per CPU core)."),
    ] = None,
) -> None:
    """Run the FastAPI server (uvicorn). PostgreSQL when a database URL is given."""
    from sync_server.admin import serve

    settings = _settings(directory, database_url)
    count = workers or os.cpu_count() or 1
    console.print(f"Serving on http://{host}:{port} with {count} worker(s)  (Ctrl-C stops)")
    serve(settings, host=host, port=port, workers=count)


@app.command("enroll-token")
@guarded
def enroll_token(
    directory: DirArg,
    name: Annotated[str, typer.Option("--name", help='The terminal\'s name, e.g. "Kallio library 1".')],
    place: Annotated[str | None, typer.Option("--place", help="Where the terminal stands.")] = None,
) -> None:
    """Print a one-time enrollment token for a new terminal (the token alone on the last line)."""
    from sync_server.admin import create_enrollment_token

    token = create_enrollment_token(_settings(directory), name=name, place=place)
    console.print(f"One-time enrollment token for {name!r}; give it to the terminal with 'osallistu kiosk enroll':")
    print(token)


@app.command("revoke")
@guarded
def revoke(directory: DirArg, device: Annotated[str, typer.Argument(help="The terminal's device id.")]) -> None:
    """Revoke a terminal: its later records are quarantined."""
    from sync_server.admin import revoke_device

    info = revoke_device(_settings(directory), device)
    console.print(f"Revoked terminal {device} ({info.get('name', '')}). Its later records will be quarantined.")


@app.command("import")
@guarded
def import_(
    directory: DirArg,
    bundle: Annotated[Path, typer.Argument(help="A bundle file from a terminal's USB stick.")],
    reply: Annotated[
        Path | None,
        typer.Option("--reply", help="Also write the terminal's reply (its ack and the newest manifest) here."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a USB bundle through the same ingest path as HTTP."""
    from sync_server.admin import import_bundle

    data = bundle.read_bytes()
    settings = _settings(directory)
    with console.status(f"Importing {bundle.name} ..."):
        report = import_bundle(settings, data, source=str(bundle))
    summary = report.summary()
    written, why = _reply_after_import(settings, report.device, reply) if reply is not None else (None, None)
    if as_json:
        print_json({**summary, "reply": written, "reply_problem": why} if reply is not None else summary)
        if why is not None:
            raise typer.Exit(1)
        return
    counts = summary["counts"]
    console.print(
        f"Imported {bundle.name}: {counts['accepted']} accepted, {counts['duplicate']} duplicate, "
        f"{counts['quarantined']} quarantined, {counts['rejected']} rejected; "
        f"acknowledged seal {summary['ack']['seq']}."
    )
    if summary.get("bundle_problem"):
        console.print(f"[bold]The bundle itself was quarantined:[/bold] {summary['bundle_problem']}")
    if reply is not None:
        if written is None:
            fail(f"No reply was written to {reply}: {why}")
        console.print(
            f"Wrote the reply for terminal {written['device']} to {written['path']}: acknowledged seal "
            f"{written['ack_seq']}, manifest {written['manifest_serial']}. Read it on the terminal."
        )


def _reply_after_import(settings: Any, device: str | None, path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(the reply written for the bundle's terminal, None) or (None, why not): only for an enrolled,
    not revoked terminal."""
    from sync_server.admin import write_reply
    from sync_server.errors import ServerError

    if not device:
        return None, "the file names no terminal"
    try:
        written = write_reply(settings, device, path)
    except ServerError as exc:
        if exc.reason in ("unknown_device", "device_revoked"):
            return None, exc.message
        raise
    return _reply_summary(written), None


def _reply_summary(written: Any) -> dict[str, Any]:
    return {
        "path": str(written.path),
        "device": written.device,
        "ack_seq": written.ack.seq,
        "manifest_serial": written.manifest_serial,
    }


@app.command("reply")
@guarded
def reply_(
    directory: DirArg,
    device: Annotated[str, typer.Argument(help="The terminal's device id.")],
    file: Annotated[Path, typer.Argument(help="Where to write the reply (e.g. on a USB stick).")],
    as_json: JsonOpt = False,
) -> None:
    """Write a signed reply for an offline terminal: its ack and the newest manifest, for a USB stick."""
    from sync_server.admin import write_reply

    summary = _reply_summary(write_reply(_settings(directory), device, file))
    if as_json:
        print_json(summary)
        return
    console.print(
        f"Wrote the reply for terminal {summary['device']} to {summary['path']}: acknowledged seal "
        f"{summary['ack_seq']}, manifest {summary['manifest_serial']}. Read it on the terminal."
    )


@app.command("stats")
@guarded
def stats(directory: DirArg, as_json: JsonOpt = False) -> None:
    """Records by kind and status; per terminal: acknowledged seal, quarantined with reasons."""
    from rich.table import Table

    from sync_server.admin import collect_stats

    data = collect_stats(_settings(directory))
    if as_json:
        print_json(data)
        return
    records = data["records"]
    console.print(
        f"Records: {records['accepted']} accepted, {records['duplicate']} duplicate arrivals, "
        f"{records['quarantined']} quarantined, {records.get('rejected', 0)} rejected."
    )
    kinds = Table("kind", "accepted", "quarantined", title="By kind")
    for kind, counts in sorted(data.get("by_kind", {}).items()):
        kinds.add_row(kind, str(counts.get("accepted", 0)), str(counts.get("quarantined", 0)))
    console.print(kinds)
    devices = Table("device", "name", "seal ack", "last seen", "quarantined", "revoked", title="Terminals")
    for device in data["devices"]:
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(device.get("reasons", {}).items()))
        devices.add_row(
            device["id"],
            device.get("name") or "",
            str(device.get("ack_seq", 0)),
            str(device.get("last_seen") or "never"),
            f"{device.get('quarantined', 0)} {reasons}".strip(),
            "yes" if device.get("revoked") else "no",
        )
    console.print(devices)


@app.command("verify")
@guarded
def verify(directory: DirArg, as_json: JsonOpt = False) -> None:
    """Re-verify the raw log from its stored bytes: every record's own signature, the seal
    chains, and that the tables agree with them. Exits 1 when anything is wrong."""
    from sync_server.admin import verify_log

    result = verify_log(_settings(directory))
    if as_json:
        print_json(result.to_json())
    else:
        for device in result.devices:
            state = "ok" if not device.problems else f"{len(device.problems)} problem(s)"
            awaiting = f", {device.awaited} awaited" if device.awaited else ""
            broken = f", {device.quarantined} listed but quarantined" if device.quarantined else ""
            console.print(
                f"{device.device} {device.name}: {device.records} records, seals 1..{device.head_seq}"
                f"{awaiting}{broken}: {state}",
                highlight=False,
            )
            for problem in device.problems:
                console.print(f"  {problem}", highlight=False)
        for problem in result.problems:
            console.print(problem, highlight=False)
        console.print(f"Checked {result.signatures} signatures.", highlight=False)
    if not result.ok:
        fail("The raw log does not verify; the lines above say where")
    if not as_json:
        console.print("The raw log verifies.", highlight=False)


user_app = typer.Typer(help="Staff accounts for the staff pages.", no_args_is_help=True)
app.add_typer(user_app, name="user")

EmailOpt = Annotated[str, typer.Option("--email", help="The staff member's email (their sign-in name).")]
StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on stdin")
        return password
    first = typer.prompt("Password (at least 12 characters)", hide_input=True)
    if typer.prompt("The same password again", hide_input=True) != first:
        fail("the two passwords differ; nothing was changed")
    return str(first)


@user_app.command("add")
@guarded
def user_add(
    directory: DirArg,
    email: EmailOpt,
    role: Annotated[
        str,
        typer.Option("--role", help="admin, operator, process_owner, moderator, responder, dispatcher or viewer."),
    ],
    name: Annotated[str | None, typer.Option("--name", help="The name shown on the staff pages.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Responders: the team whose feedback they answer.")] = None,
    password_stdin: StdinOpt = False,
) -> None:
    """Create a staff account (the first admin, for instance); prints its id last."""
    from sync_server.admin import add_staff_user

    settings = _settings(directory)
    password = _password(password_stdin)
    user_id = add_staff_user(settings, email=email, role=role, password=password, name=name, team=team)
    console.print(f"Staff account {email.strip().lower()} ({role}) added; its id:")
    print(user_id)


@user_app.command("list")
@guarded
def user_list(directory: DirArg, as_json: JsonOpt = False) -> None:
    """The staff accounts with their roles."""
    from rich.table import Table

    from sync_server.admin import list_staff_users

    users = list_staff_users(_settings(directory))
    if as_json:
        print_json(users)
        return
    table = Table("id", "email", "name", "role", "team", "locked until", title="Staff accounts")
    for user in users:
        table.add_row(
            str(user["id"]), user["email"], user["name"], user["role"], user["team"] or "", user["locked_until"] or ""
        )
    console.print(table)


@user_app.command("passwd")
@guarded
def user_passwd(directory: DirArg, email: EmailOpt, password_stdin: StdinOpt = False) -> None:
    """Set a staff member's password (also unlocks the account and signs out their browsers)."""
    from sync_server.admin import set_staff_password

    settings = _settings(directory)
    set_staff_password(settings, email=email, password=_password(password_stdin))
    console.print(f"The password of {email.strip().lower()} was changed; their browsers were signed out.")


process_app = typer.Typer(help="Processes from definition files.", no_args_is_help=True)
app.add_typer(process_app, name="process")
ProcessArg = Annotated[str, typer.Argument(help="The process id.")]
RuleOpt = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="Count rule: greedy, greedy_helsinki, equal_shares, equal_shares/add1, equal_shares/add1_exhaustive "
        "(or a pabulib name); default the process's own.",
    ),
]


@process_app.command("add")
@guarded
def process_add(
    directory: DirArg, file: Annotated[Path, typer.Argument(help="A process definition, JSON or TOML.")]
) -> None:
    """Create or replace a process from a JSON or TOML file; prints its id alone on the last line."""
    from sync_server.budget_admin import add_process_file

    process_id = add_process_file(_settings(directory), file)
    console.print(f"Process saved from {file.name}; a new manifest was signed. Its id:")
    print(process_id)


@app.command("import-pb")
@guarded
def import_pb(
    directory: DirArg,
    file: Annotated[Path, typer.Argument(help="A pabulib .pb file.")],
    paper: Annotated[bool, typer.Option("--paper", help="Enter its VOTES as paper ballots (raw log).")] = False,
) -> None:
    """A budget process from a pabulib file (rule from META); prints the new process id alone on the last line."""
    from sync_server.budget_admin import import_pb as run_import

    with console.status(f"Importing {file.name} ..."):
        info = run_import(_settings(directory), file, paper=paper)
    console.print(f"Imported {file.name}: {info['projects']} projects, {info['votes']} votes in the file.")
    if paper:
        counts = info["ingest"]
        console.print(
            f"Paper ballots: {counts.get('accepted', 0)} accepted, {counts.get('quarantined', 0)} quarantined."
        )
    print(info["process"])


@app.command("tally")
@guarded
def tally(directory: DirArg, process: ProcessArg, rule: RuleOpt = None, as_json: JsonOpt = False) -> None:
    """Count a budget process per district (counted ballots only)."""
    from rich.table import Table

    from sync_server.budget_admin import tally as run_tally

    result = run_tally(_settings(directory), process, rule=rule)
    if as_json:
        print_json(result)
        return
    b = result["ballots"]
    console.print(
        f"Process {process}, rule {result['rule']}: {b['counted']} counted, "
        f"{b['superseded']} superseded, {b['invalid']} invalid ballots."
    )
    for district in result["districts"]:
        table = Table(
            "project", "cost", "votes", "selected", title=f"{district['id']} (budget {district['budget'] / 100:,.2f})"
        )
        for p in district["projects"]:
            table.add_row(p["id"], f"{p['cost'] / 100:,.2f}", str(p["votes"]), "yes" if p["selected"] else "")
        console.print(table)


@app.command("export-pb")
@guarded
def export_pb(
    directory: DirArg,
    process: ProcessArg,
    file: Annotated[Path, typer.Argument(help="The .pb file (several districts: a folder, or FILE_<district>.pb).")],
) -> None:
    """Export the counted ballots and the outcome in pabulib format."""
    from sync_server.budget_admin import export_pb_files

    for path in export_pb_files(_settings(directory), process, file):
        console.print(f"Wrote {path}")


@app.command("export-csv")
@guarded
def export_csv(
    directory: DirArg,
    process: ProcessArg,
    file: Annotated[Path, typer.Argument(help="The CSV file: district, project, cost, votes, selected.")],
    rule: RuleOpt = None,
) -> None:
    """Export the count per district and project as CSV."""
    from sync_server.budget_admin import export_csv_file

    console.print(f"Wrote {export_csv_file(_settings(directory), process, file, rule=rule)}")


@app.command("ballots")
@guarded
def ballots(directory: DirArg, process: ProcessArg, as_json: JsonOpt = False) -> None:
    """Anomalies of a budget process: codes used more than once, invalid ballots with reasons."""
    from sync_server.budget_admin import ballot_anomalies

    report = ballot_anomalies(_settings(directory), process)
    if as_json:
        print_json(report)
        return
    console.print(f"Codes used more than once: {len(report['reused_codes'])}")
    for row in report["reused_codes"]:
        console.print(
            f"  {row['voter'][:12]}... {row['ballots']} ballots on {', '.join(row['devices'])} "
            f"({', '.join(row['channels'])}); counted {row['counted'][:12]}..."
        )
    console.print(f"Invalid ballots: {len(report['invalid'])}")
    for reason, n in report["invalid_by_reason"].items():
        console.print(f"  {reason}: {n}")


@app.command("codes")
@guarded
def codes(
    directory: DirArg,
    process: Annotated[str, typer.Argument(help="The budget process id.")],
    count: Annotated[int, typer.Option("--count", min=1, max=100_000, help="How many codes to make.")],
    out: Annotated[Path, typer.Option("--out", help="The PDF to write (must not exist yet).")],
    class_sheet: Annotated[
        bool, typer.Option("--class-sheet", help="One page per class (a numbered list) instead of cards.")
    ] = False,
    per_sheet: Annotated[int, typer.Option("--per-sheet", min=1, max=40, help="Codes per class sheet.")] = 30,
) -> None:
    """Make voting codes for a budget process: their salted hashes go into the process (a new manifest
    is signed), the codes only into the PDF (cards, 8 per A4 page, or class sheets)."""
    import random

    from provisioning.code_cards import class_sheets_pdf, code_cards_pdf
    from shared_models.voting_codes import make_codes
    from sync_server.admin import add_voting_codes, voting_code_process

    if out.exists():
        fail(f"{out} already exists; the codes in it may be in use. Choose a new file.")
    settings = _settings(directory)
    info = voting_code_process(settings, process)
    made, tags = make_codes(count, info["voter_salt"], random.SystemRandom())
    if class_sheet:
        pdf = class_sheets_pdf(made, process_title=info["title"], process_id=process, per_sheet=per_sheet)
    else:
        pdf = code_cards_pdf(made, process_title=info["title"], process_id=process)
    part = out.with_name(out.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pdf)
    try:
        total = add_voting_codes(settings, process, tags)
    except BaseException:
        part.unlink()
        raise
    os.replace(part, out)
    console.print(
        f"{count} voting codes made for {process}; it now holds {total} code tags (a new manifest was signed)."
    )
    console.print(f"Wrote {out}")


CsvOpt = Annotated[Path, typer.Option("--csv", help="A CSV file with a header line (.csv.bz2 is read as it is).")]
TextColumnOpt = Annotated[str, typer.Option("--text", help="The column that holds the texts.")]


@app.command("train-router")
@guarded
def train_router_command(
    directory: DirArg,
    csv_file: CsvOpt,
    text: TextColumnOpt,
    label: Annotated[str, typer.Option("--label", help="The column that holds the labels (topic or team ids).")],
    holdout: Annotated[
        float, typer.Option("--holdout", min=0.01, max=0.5, help="Share of each label's rows held out for the figures.")
    ] = 0.1,
    with_reroutes: Annotated[
        bool, typer.Option("--with-reroutes", help="Add the staff's re-routings in the server database as rows.")
    ] = False,
    reroutes_as: Annotated[
        str, typer.Option("--reroutes-as", help="With --with-reroutes: the staff's 'topic' or 'team' is the label.")
    ] = "topic",
    as_json: JsonOpt = False,
) -> None:
    """Train the feedback router on labelled texts; print accuracy, macro-F1 and top-3 on a held-out part.

    The saved router is the one trained without the held-out rows, so the figures are its own."""
    import time

    from sync_server.routing import calibrate_temperature, evaluate, save_router, stratified_holdout, train_router
    from sync_server.routing.csvfile import read_csv_rows

    if reroutes_as not in ("topic", "team"):
        fail(f"--reroutes-as takes 'topic' or 'team', not {reroutes_as!r}")
    from provisioning.output import err_console

    say = err_console.print if as_json else console.print  # with --json, stdout holds only the JSON
    settings = _settings(directory)
    rows = read_csv_rows(csv_file, text=text, label=label)
    _, texts, labels = rows.labelled()
    left_out = len(rows.texts) - len(texts)
    say(
        f"Read {len(rows.texts):,} rows from {csv_file.name}: {len(texts):,} with a text and a {label!r}, "
        f"{left_out:,} without were left out."
    )
    reroutes = 0
    if with_reroutes:
        from sync_server.routing.reroutes import staff_labels

        staff = staff_labels(settings, kind="topic" if reroutes_as == "topic" else "team")
        if not staff.table_present:
            say("The server database has no feedback re-routings yet (an older schema); none added.")
        reroutes = len(staff.texts)
        texts, labels = texts + staff.texts, labels + staff.labels
        say(
            f"Added {reroutes:,} texts labelled by staff (their {reroutes_as}); "
            f"{staff.without_label:,} routed cases had no {reroutes_as} and were left out."
        )
    if not texts:
        fail(f"{csv_file} has no row with both a text and a {label!r}")
    train_rows, held_rows = stratified_holdout(texts, labels, holdout)
    if not held_rows:
        fail("too few rows to hold any out for the figures; each label needs at least two rows")
    held_texts, held_labels = [texts[i] for i in held_rows], [labels[i] for i in held_rows]
    start = time.perf_counter()
    with console.status(f"Training on {len(train_rows):,} rows, {len(held_rows):,} held out ..."):
        router = train_router([texts[i] for i in train_rows], [labels[i] for i in train_rows], label_name=label)
        router = calibrate_temperature(router, held_texts, held_labels)
        scores = evaluate(router, held_texts, held_labels)
    train_s = time.perf_counter() - start
    info = save_router(router, directory, scores=scores)
    if as_json:
        print_json(
            {
                **scores.to_json(),
                "rows": len(texts),
                "left_out": left_out,
                "reroutes": reroutes,
                "train_rows": len(train_rows),
                "held_out_rows": len(held_rows),
                "train_s": round(train_s, 1),
                "router": info.to_json(),
            }
        )
        return
    console.print(
        f"Trained on {len(train_rows):,} rows ({len(router.labels)} labels) in {train_s:.1f} s; "
        f"held out {len(held_rows):,} rows ({holdout:.0%} of each label)."
    )
    console.print(
        f"Held-out figures: accuracy {scores.accuracy:.4f}, macro-F1 {scores.macro_f1:.4f}, "
        f"top-3 {scores.top3_accuracy:.4f}."
    )
    console.print(
        f"Saved the router to {Path(directory) / 'router'} (confidence temperature {router.temperature:.3f})."
    )


@app.command("route")
@guarded
def route(
    directory: DirArg,
    csv_file: CsvOpt,
    text: TextColumnOpt,
    label: Annotated[
        str | None, typer.Option("--label", help="A column with the right labels: also print the figures.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Suggest a label for every row of a CSV file with the trained router (a backlog, say)."""
    from rich.table import Table

    from sync_server.routing import load_router, score_suggestions
    from sync_server.routing.csvfile import read_csv_rows

    _settings(directory)
    router = load_router(directory)
    if router is None:
        fail(f"there is no trained router in {directory}; train one with 'osallistu server train-router'")
    rows = read_csv_rows(csv_file, text=text, label=label)
    numbers = [i + 1 for i, t in enumerate(rows.texts) if t.strip()]
    suggestions = router.suggest([rows.texts[n - 1] for n in numbers])
    by_row = dict(zip(numbers, suggestions, strict=True))
    scores = None
    if label is not None:
        labelled, _, labels = rows.labelled()
        if not labelled:
            fail(f"{csv_file} has no row with both a text and a {label!r}")
        scores = score_suggestions([by_row[n] for n in labelled], labels)
    figures: dict[str, float | None] = (
        dict(scores.to_json()) if scores else {"accuracy": None, "macro_f1": None, "top3_accuracy": None}
    )
    if as_json:
        print_json({**figures, "predictions": [{"row": n, **by_row[n].to_json()} for n in numbers]})
        return
    shown = 50
    table = Table("row", router.label_name, "confidence", "top 3", title=f"Suggestions ({csv_file.name})")
    for n in numbers[:shown]:
        s = by_row[n]
        table.add_row(str(n), s.label, f"{s.confidence:.2f}", ", ".join(f"{lab} {c:.2f}" for lab, c in s.top3))
    console.print(table)
    if len(numbers) > shown:
        console.print(f"The first {shown} of {len(numbers):,} rows are shown; --json gives every row.")
    blank = len(rows.texts) - len(numbers)
    console.print(f"Routed {len(numbers):,} rows; {blank:,} rows without a text were skipped.")
    if scores is not None:
        console.print(
            f"Against {label!r}: accuracy {scores.accuracy:.4f}, macro-F1 {scores.macro_f1:.4f}, "
            f"top-3 {scores.top3_accuracy:.4f}."
        )


ConversationArg = Annotated[str, typer.Argument(help="The conversation (a process with the voxit activity).")]


@app.command("analyze")
@guarded
def analyze(directory: DirArg, conversation: ConversationArg, as_json: JsonOpt = False) -> None:
    """Analyse a conversation now (opinion groups, consensus, priorities); the terminals get the
    new priorities and opinion map in a re-signed manifest. Ids are Polis ids."""
    from sync_server.services.voxit_admin import analyze_conversation

    with console.status(f"Analysing {conversation} ..."):
        report = analyze_conversation(_settings(directory), conversation)
    if as_json:
        print_json(report)
        return
    m = report["matrix"]
    console.print(
        f"Conversation {conversation}, run {report['run']}: {m['participants']} participants, "
        f"{m['statements']} statements, {m['votes']} votes; {report['in_conv']} clustered into "
        f"{len(report['groups'])} groups ({report['seconds']:.2f} s)."
    )
    for group in report["groups"]:
        console.print(f"Group {group['id']}: {len(group['participants'])} participants")
    ranked = sorted(report["statements"], key=lambda s: -s["group_informed_consensus"])[:5]
    console.print("Most agreed across groups: " + ", ".join(str(s["id"]) for s in ranked))
    console.print("Most divisive: " + ", ".join(str(s) for s in report["divisive"]))


@app.command("import-polis")
@guarded
def import_polis(
    directory: DirArg,
    folder: Annotated[Path, typer.Argument(help="A Polis export folder (comments.csv, votes.csv).")],
    lang: Annotated[
        str, typer.Option("--lang", help="The language of the comments (a language code; 'und' if unknown).")
    ] = "und",
) -> None:
    """A closed conversation from a Polis export, votes through the raw log; prints its id alone on the last line."""
    from sync_server.services.voxit_admin import import_polis_folder

    with console.status(f"Importing {folder} ..."):
        info = import_polis_folder(_settings(directory), folder, lang=lang)
    counts = info["ingest"]
    console.print(
        f"Imported {folder}: {info['comments']} comments, {info['participants']} participants, "
        f"{info['votes']} final votes; records {counts.get('accepted', 0)} accepted, "
        f"{counts.get('quarantined', 0)} quarantined."
    )
    if info["without_record"]:
        console.print(
            f"{info['without_record']} comment(s) longer than a terminal may send were kept without a raw-log record."
        )
    print(info["process"])


@app.command("export-polis")
@guarded
def export_polis(
    directory: DirArg,
    conversation: ConversationArg,
    folder: Annotated[
        Path, typer.Argument(help="The folder to write comments.csv, votes.csv, participants-votes.csv.")
    ],
) -> None:
    """Export a conversation in Polis's export format."""
    from sync_server.services.voxit_admin import export_polis_folder

    for path in export_polis_folder(_settings(directory), conversation, folder):
        console.print(f"Wrote {path}")


@app.command("open311-key")
@guarded
def open311_key(
    directory: DirArg,
    name: Annotated[str, typer.Argument(help='The application the key is for, e.g. "Palautesovellus".')],
) -> None:
    """Issue an Open311 API key for an application (shown once, stored hashed; the key alone on the last line)."""
    from datetime import UTC, datetime

    from sync_server.services.open311 import issue_key_for

    key = issue_key_for(_settings(directory), name=name, now=datetime.now(UTC), issued_by="command line")
    console.print(f"Open311 API key for {name!r} (shown only now; POST it as api_key to /open311/v2/requests.json):")
    print(key)
