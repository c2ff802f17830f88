"""`registry suggest | plan | evaluate`: partner suggestions, the coverage plan, the backtest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import click

from registry.cli import Context, main, pass_context
from registry.matching import (
    Weights,
    coverage_plan,
    evaluate,
    suggest_for_german,
    suggest_for_hromada,
    write_plan_csv,
)
from registry.search import MunicipalitySearch
from registry.suggestions import MatchingData


def _weights(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Weights | None:
    try:
        return Weights.parse(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def _resolve(context: Context, name_or_code: str) -> tuple[str, str, str]:
    """Return (code, country, name) for a code or the best match of a name; say when it was ambiguous."""
    with context.sessions() as session:
        results = MunicipalitySearch().resolve(session, name_or_code)
    if not results:
        raise click.BadParameter(f"no municipality found for {name_or_code!r}", param_hint="NAME_OR_CODE")
    best = results[0]
    others = [r for r in results[1:] if r.score >= best.score - 1.0]
    if others:
        click.echo(
            f"note: taking {best.name} ({best.code}, {best.parent_name}); also close: "
            + "; ".join(f"{r.name} ({r.code}, {r.parent_name})" for r in others),
            err=True,
        )
    return best.code, best.country, best.name


@main.command("suggest")
@click.argument("name_or_code")
@click.option(
    "--limit", default=10, show_default=True, type=click.IntRange(0), help="Number of suggestions; 0 = all."
)
@click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Count only partnerships before this date."
)
@click.option(
    "--weights", callback=_weights, help="Criterion weights, e.g. size=2,idp=0.5 (others keep defaults)."
)
@click.option("--include-occupied", is_flag=True, help="Also rank occupied hromadas (flagged).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, best first.")
@pass_context
def suggest(
    context: Context,
    name_or_code: str,
    limit: int,
    as_of: dt.datetime | None,
    weights: Weights | None,
    include_occupied: bool,
    as_json: bool,
) -> None:
    """Suggest partners for NAME_OR_CODE: hromadas for a German place, German places for a hromada."""
    code, country, name = _resolve(context, name_or_code)
    with context.sessions() as session:
        data = MatchingData().get(session)
    rank = suggest_for_german if country == "DE" else suggest_for_hromada
    suggestions = rank(
        data,
        code,
        weights=weights,
        as_of=as_of.date() if as_of else None,
        limit=limit,
        include_occupied=include_occupied,
    )
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in suggestions], ensure_ascii=False, indent=2))
        return
    click.echo(f"suggestions for {name} ({code})" + (f" as of {as_of.date()}" if as_of else "") + ":")
    for position, s in enumerate(suggestions, 1):
        native = f" / {s.name_uk}" if s.name_uk else ""
        click.echo(f"{position:3}. {s.score:.3f}  {s.code}  {s.name}{native}")
        click.echo(f"     {s.explanation_en}")


@main.command("plan")
@click.option(
    "--need-threshold", type=click.FloatRange(0, 1), help="Only hromadas whose need is at least this."
)
@click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Count only partnerships before this date."
)
@click.option("--weights", callback=_weights, help="Criterion weights, e.g. size=2,idp=0.5.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole plan as JSON.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the assignments to this CSV file.",
)
@pass_context
def plan(
    context: Context,
    need_threshold: float | None,
    as_of: dt.datetime | None,
    weights: Weights | None,
    as_json: bool,
    csv_file: Path | None,
) -> None:
    """Propose one German municipality for each hromada without a German partner (optimal assignment)."""
    with context.sessions() as session:
        data = MatchingData().get(session)
    click.echo("computing the optimal assignment ...", err=True)
    result = coverage_plan(
        data, need_threshold=need_threshold, weights=weights, as_of=as_of.date() if as_of else None
    )
    if csv_file is not None:
        partial = csv_file.with_suffix(csv_file.suffix + ".partial")
        with partial.open("w", encoding="utf-8", newline="") as stream:
            write_plan_csv(result, stream)
        partial.replace(csv_file)  # never leave a half-written file under the real name
        click.echo(f"wrote {len(result.assignments)} assignments to {csv_file}", err=True)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2, default=str))
        return
    click.echo(
        f"{len(result.assignments)} hromadas assigned, {len(result.unassigned)} without a candidate; "
        f"total score {result.total_score:.2f}"
    )
    for title, summaries in (("oblast", result.by_oblast), ("Land", result.by_land)):
        click.echo(f"by {title}:")
        for summary in summaries:
            click.echo(
                f"  {summary.name:32} {summary.assigned:5} assigned, mean score {summary.mean_score:.2f}"
            )


@main.command("evaluate")
@click.option("--weights", callback=_weights, help="Criterion weights to evaluate, e.g. size=2,idp=0.5.")
@pass_context
def evaluate_command(context: Context, weights: Weights | None) -> None:
    """Backtest: rank of each real post-2022 partner when asked as of the start of its year."""
    with context.sessions() as session:
        data = MatchingData().get(session)
    report = evaluate(data, weights=weights)
    click.echo(report.table())
    click.echo(
        f"\n{len(report.cases)} partnerships between a German Gemeinde/Stadt and a hromada or Kyiv "
        "formed since 2022 with a known start year; ranks among all candidates."
    )
    sys.stdout.flush()
