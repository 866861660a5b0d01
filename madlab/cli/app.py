"""The ``madlab`` command group, its error handling and shared helpers.

Each command parses its options into the same request models the API uses and
makes one call into a service. Every madlab error is printed as one line
saying what is wrong and what to do, with a non-zero exit status; nothing ends
in a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import pydantic
from rich.console import Console
from rich.text import Text

from madlab import __version__
from madlab.bootstrap import Services, build_services
from madlab.errors import EngineError, MadlabError

console = Console()
err_console = Console(stderr=True)

EXIT_INPUT = 2
EXIT_ENGINE = 3
EXIT_INTERNAL = 70


def _pydantic_message(err: pydantic.ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def say_error(label: str, message: str) -> None:
    """Print one error line on stderr (user text is never read as markup)."""
    err_console.print(Text(f"{label}: ", style="bold red") + Text(message), highlight=False)


class MadlabGroup(click.Group):
    """A click group that turns madlab errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except pydantic.ValidationError as err:
            if debug:
                raise
            say_error("error", _pydantic_message(err))
            sys.exit(EXIT_INPUT)
        except MadlabError as err:
            if debug:
                raise
            say_error("error", str(err))
            sys.exit(EXIT_ENGINE if isinstance(err, EngineError) else EXIT_INPUT)
        except Exception as err:
            if debug:
                raise
            say_error(
                "internal error",
                f"{type(err).__name__}: {err} (run again with --debug for the traceback)",
            )
            sys.exit(EXIT_INTERNAL)


def services_of(ctx: click.Context) -> Services:
    services: Services | None = ctx.obj
    if services is None:
        services = build_services()
        ctx.obj = services
    return services


@click.group(cls=MadlabGroup)
@click.version_option(__version__, prog_name="madlab")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """madlab: prepare molecules, dock them, and inspect ranked poses."""
