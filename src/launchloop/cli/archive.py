"""``launchloop knowledge export / import``: the whole knowledge base as a JSON file."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from launchloop.cli import app
from launchloop.cli.knowledge import Author, console, knowledge_session
from launchloop.cli.options import DataDir, ProjectOption
from launchloop.errors import InvalidInput
from launchloop.knowledge.audit import record_act
from launchloop.knowledge.export import export_knowledge, import_knowledge

knowledge_app = typer.Typer(help="The knowledge base as a whole.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("export")
def knowledge_export(file: Path, data_dir: DataDir = None, project: ProjectOption = None) -> None:
    """Write the project's knowledge base to FILE (JSON)."""
    with knowledge_session(data_dir, project, None) as (session, caller):
        document = export_knowledge(session, caller.project_id)
        counts = {name: len(rows) for name, rows in document["tables"].items() if rows}
        file.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        record_act(session, caller, "export", "export", {"rows": counts, "file": file.name})
    console.print(f"exported to {file}: {counts}")


@knowledge_app.command("import")
def knowledge_import(
    file: Path, data_dir: DataDir = None, project: ProjectOption = None, author: Author = None
) -> None:
    """Load an export (FILE) into a project that has no insights yet."""
    try:
        document = orjson.loads(file.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise InvalidInput("file", f"cannot read {file}: {error}") from None
    with knowledge_session(data_dir, project, author) as (session, caller):
        counts = import_knowledge(session, caller, document)
    console.print(f"imported: { {k: v for k, v in counts.items() if v} }")
