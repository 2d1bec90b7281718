"""`zhongtai import <kind> FILE --source CODE`: one command per registered inbound kind (pos, and the
kinds other format modules register). The file is landed raw first, then processed in chunks, each
committed as it goes, with a progress bar and a summary table at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhongtai.cli.common import console, err_console, unit_of_work
from zhongtai.integration import formats

app = typer.Typer(help="Import inbound data files (POS, ERP, CRM, e-commerce) through the data hub.",
                  no_args_is_help=True)


def run_import(kind: str, file: Path, source_code: str, format_name: str | None) -> dict:
    """Land `file` for the source, process it with a progress bar; returns the batch counts and reasons."""
    from zhongtai.config import get_settings
    from zhongtai.integration import service

    settings = get_settings()
    with unit_of_work() as session:
        source = service.get_source(session, code=source_code)
        with file.open("rb") as stream, console.status(f"landing {file.name}"):
            payload = service.land(session, source=source, kind=kind, format_name=format_name, stream=stream,
                                   via="cli", settings=settings, filename=file.name, actor="cli")
        session.commit()  # landed before parsing: a failure below leaves the payload to reprocess
        return _process(session, settings, source, payload, f"{kind} {file.name}", _estimate(file))


def _process(session, settings, source, payload, label: str, total: int | None) -> dict:
    """Process a landed payload, committing each chunk, with a progress bar; a failure marks the batch."""
    from zhongtai.integration import repository, service

    with _progress() as progress:
        task = progress.add_task(label, total=total)

        def committed(batch) -> None:
            session.commit()
            progress.update(task, completed=batch.records)

        try:
            batch = service.process(session, source=source, payload=payload, settings=settings, on_chunk=committed)
        except Exception as exc:
            session.rollback()
            service.fail_unfinished(session, source=source, payload=payload, error=repr(exc))
            session.commit()
            raise
        progress.update(task, completed=batch.records, total=batch.records)
    reasons = repository.batch_reasons(session, source_id=source.id, batch_id=batch.id)
    return {"batch_id": str(batch.id), "records": batch.records, "accepted": batch.accepted,
            "duplicates": batch.duplicates, "quarantined": batch.quarantined, "reasons": reasons}


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def _estimate(file: Path) -> int | None:
    """Lines in the file, as the progress bar's total (a few MB/s-cheap pass; records ≈ lines)."""
    with file.open("rb") as f:
        return max(sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1, 1)


def _summary(kind: str, result: dict) -> None:
    table = Table("records", "accepted", "duplicates", "quarantined", title=f"{kind} batch {result['batch_id']}")
    table.add_row(*(str(result[k]) for k in ("records", "accepted", "duplicates", "quarantined")))
    console.print(table)
    if result["reasons"]:
        reasons = Table("reason", "records", title="quarantined")
        for reason, n in result["reasons"]:
            reasons.add_row(reason, str(n))
        console.print(reasons)


def _command(kind: str):
    def command(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
                source: Annotated[str, typer.Option("--source", help="Source code the file comes from")],
                format: Annotated[str | None, typer.Option("--format", help="Format (default: the kind's)")] = None):
        _summary(kind, run_import(kind, file, source, format))

    command.__doc__ = f"Import a {kind} file (formats: {', '.join(sorted(formats.kinds()[kind].parsers))})."
    return command


for _name in sorted(formats.kinds()):
    app.command(_name)(_command(_name))


@app.command("source")
def add_source(code: str = typer.Argument(..., help="Source code, e.g. POS-S001"),
               type: str = typer.Option(..., "--type", help="pos, erp, ecommerce or crm"),
               name: str = typer.Option("", "--name"),
               store: str | None = typer.Option(None, "--store", help="Store code (a POS source feeds one store)"),
               timezone: str | None = typer.Option(None, "--timezone", help="Time zone of times without an offset"),
               mapping: str | None = typer.Option(None, "--mapping",
                                                  help="Field mapping: a preset name (tmall, jd) or a JSON file")):
    """Register a source; prints its API key and signing secret once."""
    from zhongtai.integration import service
    from zhongtai.integration.schemas import SourceCreate

    config = {k: v for k, v in (("timezone", timezone), ("mapping", _mapping(mapping))) if v}
    with unit_of_work() as session:
        source, key, secret = service.register_source(session, source_in=SourceCreate(
            code=code, name=name or code, type=type, store_code=store, config=config))
    console.print(f"source {source.code} (id {source.id}) registered\napi key: {key}\nsigning secret: {secret}")


def _mapping(value: str | None):
    """A preset name, or the mapping object in a JSON file; checked before anything is registered."""
    if not value:
        return None
    import json

    from zhongtai.integration.formats.ecommerce import mapping_of
    from zhongtai.integration.mapping import MappingInvalid

    spec = json.loads(Path(value).read_text()) if Path(value).is_file() else value
    try:
        mapping_of({"mapping": spec})
    except MappingInvalid as exc:
        err_console.print(f"[red]error[/red] mapping_invalid: {'; '.join(exc.problems)}")
        raise typer.Exit(2) from exc
    return spec


@app.command("reprocess")
def reprocess(batch_id: Annotated[str, typer.Argument(help="A batch whose landed payload to run again")]):
    """Run a batch's landed payload again as a new batch (e.g. after a failed run: the rest is taken, what was
    taken before reports as duplicates)."""
    import uuid

    from zhongtai.config import get_settings
    from zhongtai.integration import repository, service

    settings = get_settings()
    with unit_of_work() as session:
        old = service.get_batch(session, batch_id=uuid.UUID(batch_id))
        source = service.source_by_id(session, source_id=old.source_id)
        payload = repository.get_payload(session, old.source_id, old.payload_id)
        result = _process(session, settings, source, payload, f"{old.kind} {payload.filename or payload.id}",
                          old.records or None)
    _summary(old.kind, result)
