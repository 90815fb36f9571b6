"""The `leadflow` entry point: discovers command groups and turns LeadflowError into one clear line."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

import leadflow.cli
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
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int) and result:
            sys.exit(result)
    except LeadflowError as exc:
        Console(stderr=True, soft_wrap=True).print(exc.one_line(), style="red", markup=False, highlight=False)
        for problem in getattr(exc, "problems", [])[:50]:
            Console(stderr=True, soft_wrap=True).print("  " + problem.render(), markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted; nothing half-written was kept (re-run to continue)")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors arrive as click exceptions
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    run()
