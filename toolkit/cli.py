"""The `toolkit` command: parse arguments, call one function, print. No logic lives here.

Known user errors (UserInputError) become one line `error: <where>: <message>` on stderr and exit
code 2; anything else is a bug and keeps its traceback (exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from toolkit.errors import UserInputError

console = Console()
err_console = Console(stderr=True)


class _UserErrorsAsOneLine(typer.core.TyperGroup):
    """Catch UserInputError once, at the top, for every (sub)command."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except UserInputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_UserErrorsAsOneLine,
    help="Safety-aware post-training: SFT, reward models and DPO on TRL, with safety gates on every stage.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals can hold user records (PII)
)
recipe_app = typer.Typer(help="Validate and show recipes.", no_args_is_help=True)
data_app = typer.Typer(help="Validate, inspect, convert and split data files.", no_args_is_help=True)
models_app = typer.Typer(help="Resolve and prepare base models (the embedded default works offline).", no_args_is_help=True)
safety_app = typer.Typer(help="Run and train the safety classifiers.", no_args_is_help=True)
app.add_typer(recipe_app, name="recipe")
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(safety_app, name="safety")

SetOption = Annotated[
    Optional[list[str]], typer.Option("--set", help="Override a recipe value: key.path=value (YAML-typed).")
]


# ---------------------------------------------------------------- recipe
@recipe_app.command("validate")
def recipe_validate(recipes: Annotated[list[Path], typer.Argument(help="Recipe YAML files.")]) -> None:
    """Check recipes against the schema; print every problem with file and line."""
    from toolkit.recipe import recipe_errors

    failed = False
    for path in recipes:
        problems = recipe_errors(path)
        for line in problems:
            typer.echo(f"error: {line}", err=True)
        if problems:
            failed = True
        else:
            console.print(f"[green]ok[/green] {path}")
    if failed:
        raise typer.Exit(2)


@recipe_app.command("show")
def recipe_show(recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")], overrides: SetOption = None) -> None:
    """Print the fully resolved recipe (extends merged, overrides applied, defaults filled) as YAML."""
    from toolkit.recipe import load_recipe, recipe_to_yaml

    typer.echo(recipe_to_yaml(load_recipe(recipe, overrides or [])), nl=False)


def main() -> None:
    """Entry point of the `toolkit` console script."""
    app()
