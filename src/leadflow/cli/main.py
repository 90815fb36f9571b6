"""The `leadflow` entry point: discovers command groups and turns LeadflowError into one clear line."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

import leadflow.cli
from leadflow.cli.common import make_console
from leadflow.errors import LeadflowError


def build_app() -> typer.Typer:
    """The Typer app with every command group of leadflow.cli registered."""
    app = typer.Typer(
        name="leadflow",
        help="One agreement, one flow, one set of numbers for B2B marketing and sales.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for info in sorted(pkgutil.iter_modules(leadflow.cli.__path__), key=lambda m: m.name):
        if info.name in {"main"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"leadflow.cli.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    return app


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; user mistakes print one line (cause, where, what to do) and a non-zero exit code."""
    app = build_app()
    try:
        # standalone mode: usage errors print their own message and exit 2; ours propagate to here
        app(args=argv, prog_name="leadflow")
    except LeadflowError as exc:
        make_console(stderr=True).print(exc.one_line(), style="red", markup=False, highlight=False)
        for problem in getattr(exc, "problems", [])[:50]:
            make_console(stderr=True).print("  " + problem.render(), markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        make_console(stderr=True).print("interrupted; nothing half-written was kept (re-run to continue)")
        sys.exit(130)


if __name__ == "__main__":
    run()
