"""The command line: a click group that knows its commands by name and imports
a command's module (``bpcli/cli/commands/NAME.py``) only when that command is run,
its help shown or its options completed, so `bpcli run -q` compiles none of
the other commands' code (click's lazily loaded subcommands).

The commands themselves are thin: options are defined in ``options.py``, the
views and their formats in ``views.py``, files are read and written by
``files.py``, and ``process.py`` turns every failure into a message and an exit
status. Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import click

from .. import i18n
from ..i18n import _
from .help_texts import help_for
from .process import BpcliGroup, exit_with

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

# Each command: its name, and the module under bpcli/cli/commands that defines a
# click command of that name.
COMMANDS = ("check", "expand", "export", "gates", "graph", "mistakes", "run", "trace", "validate")


class LazyGroup(BpcliGroup):
    """Commands imported on first use (click's documented pattern: list_commands
    and get_command). Listing and completing their names needs none of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__package__}.commands.{cmd_name}")
        command = getattr(module, cmd_name)
        if not isinstance(command, click.Command):
            raise TypeError(f"bpcli.commands.{cmd_name}.{cmd_name} is not a click command")
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            # click words "did you mean" from self.commands, which stays empty here
            name = getattr(exc, "command_name", None)
            if name is None or getattr(exc, "possibilities", None):
                raise
            raise type(exc)(name, possibilities=COMMANDS, ctx=ctx) from None  # type: ignore[call-arg]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with the first paragraph of its help, whole, wrapped at
        the terminal's width (click would cut it to one line with "..."); no
        command is imported for it."""
        rows = [(name, " ".join(help_for(name).split("\n\n")[0].split())) for name in COMMANDS]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (with their short help, from help_texts) without importing
        the commands; then the group's own options, as click completes them."""
        from click.shell_completion import CompletionItem

        found = [
            CompletionItem(name, help=click.Command(name, help=help_for(name)).get_short_help_str())
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        return found + click.Command.shell_complete(self, ctx, incomplete)


@click.group(
    cls=LazyGroup, help=help_for("bpcli"), context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="bpcli", prog_name="bpcli")
@click.option(
    "--lang",
    metavar="LANG",
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, param, value: i18n.use(value) if value else None,
    help=_(
        "The language of bpcli's messages: ru or en (default: LANGUAGE, LC_ALL, "
        "LC_MESSAGES, LANG; English where there is no catalog)."
    ),
)
def cli() -> None:
    pass


def main() -> None:
    """The ``bpcli`` command."""
    exit_with(cli)
