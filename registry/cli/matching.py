"""`registry suggest | fit | plan | evaluate`: suggestions, the fit model, the coverage plan, the backtest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import click

from registry.cli import Context, main, pass_context
from registry.matching import (
    DEFAULT_BLEND,
    Filters,
    MatchingInput,
    Weights,
    coverage_plan,
    evaluate,
    fit_model,
    suggest_for_german,
    suggest_for_hromada,
    write_plan_csv,
)
from registry.matching.criteria import FIT_CRITERIA, NEED_CRITERIA
from registry.matching.options import SIZE_FACTOR
from registry.services.matching_model import model_path, read_model, write_model
from registry.services.matching_subject import resolve_subject
from registry.services.search import MunicipalitySearch
from registry.services.suggestions import MatchingData


def _weights(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Weights | None:
    try:
        return Weights.parse(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def _input(context: Context) -> MatchingInput:
    with context.sessions() as session:
        return MatchingData(context.settings.data_dir).get(session)


BLEND_HELP = (
    f"Share of need in the ranking: 0 = fit alone (what real partnerships favour), 1 = need alone "
    f"(reconstruction, displaced people, no partner yet); default {DEFAULT_BLEND}."
)


@main.command("suggest")
@click.argument("name_or_code")
@click.option(
    "--limit", default=10, show_default=True, type=click.IntRange(0), help="Number of suggestions; 0 = all."
)
@click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Count only partnerships before this date."
)
@click.option(
    "--weights",
    callback=_weights,
    help="Criterion weights, e.g. size=2,idp=0.5 (fit criteria: multipliers of the learned coefficients).",
)
@click.option(
    "--blend", type=click.FloatRange(0, 1), default=DEFAULT_BLEND, show_default=True, help=BLEND_HELP
)
@click.option(
    "--size-factor",
    type=click.FloatRange(min=0),
    default=SIZE_FACTOR,
    show_default=True,
    help="Candidates at most this factor smaller or larger than the subject; 0 = no size bounds.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="CODE",
    help="Never suggest this candidate (e.g. one turned down); repeat.",
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
    blend: float,
    size_factor: float,
    exclude: tuple[str, ...],
    include_occupied: bool,
    as_json: bool,
) -> None:
    """Suggest partners for NAME_OR_CODE: Ukrainian units for a German unit, German ones for a Ukrainian."""
    with context.sessions() as session:
        subject = resolve_subject(MunicipalitySearch(), session, name_or_code)
    if subject is None:
        raise click.BadParameter(f"no municipality found for {name_or_code!r}", param_hint="NAME_OR_CODE")
    if subject.note:
        click.echo(f"note: {subject.note}", err=True)
    german = subject.country == "DE"
    pairs = frozenset((subject.code, c) if german else (c, subject.code) for c in exclude)
    filters = Filters(exclude_pairs=pairs, size_factor=size_factor if size_factor >= 1 else None)
    rank = suggest_for_german if german else suggest_for_hromada
    data = _input(context)
    try:
        suggestions = rank(
            data,
            subject.code,
            weights=weights,
            filters=filters,
            as_of=as_of.date() if as_of else None,
            limit=limit,
            include_occupied=include_occupied,
            blend=blend,
        )
    except LookupError as error:
        raise click.BadParameter(
            f"{subject.name} ({subject.level}): {error}", param_hint="NAME_OR_CODE"
        ) from error
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in suggestions], ensure_ascii=False, indent=2))
        return
    f = data.features
    if not suggestions and not german and f.ua_occupied[f.ua_index[subject.code]]:
        j = f.ua_index[subject.code]
        where = "its administrative centre is occupied" if f.ua_centre_occupied[j] else "it is occupied"
        click.echo(
            f"no suggestions for {subject.name}: {where} (official list, Order No. 376"
            f"{', since ' + str(f.ua_listing_since[j]) if f.ua_listing_since[j] else ''}); "
            "occupied hromadas cannot receive support. --include-occupied ranks anyway."
        )
        return
    click.echo(
        f"suggestions for {subject.name} ({subject.level}, {subject.code})"
        + (f" as of {as_of.date()}" if as_of else "")
        + f", blend {blend:g} (0 = fit alone, 1 = need alone):"
    )
    for s in suggestions:
        native = f" / {s.name_uk}" if s.name_uk else ""
        click.echo(f"{s.rank:3}. {s.score:6.2f}  {s.code}  {s.name}{native}  [{s.level}]")
        click.echo(f"     {s.explanation_en}")


@main.command("fit")
@click.option("--check", is_flag=True, help="Only compare with the shipped model file; exit 1 if it differs.")
@pass_context
def fit(context: Context, check: bool) -> None:
    """Fit the fit model on the real partnerships and write data/matching_model.json."""
    model = fit_model(_input(context))
    click.echo(
        f"fitted on {model.provenance.get('cases')} partnerships "
        f"of the years {model.provenance.get('years')}:"
    )
    for name in model.coefficients:
        click.echo(f"  {name:<18} {model.coefficients[name]:+.3f}")
    click.echo(
        f"  size profile: ln(hromada/German population) centred at {model.size_centre:+.3f}, "
        f"sigma {model.size_sigma:.3f}"
    )
    click.echo(f"  need scale (logit units of fit): {model.need_scale:.3f}")
    shipped = read_model(context.settings.data_dir)
    if check:
        same = shipped is not None and shipped.matches(model)
        click.echo(f"{model_path(context.settings.data_dir)}: {'up to date' if same else 'differs'}")
        sys.exit(0 if same else 1)
    click.echo(f"wrote {write_model(context.settings.data_dir, model)}")


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
    data = _input(context)
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
@click.option(
    "--blend", type=click.FloatRange(0, 1), default=DEFAULT_BLEND, show_default=True, help=BLEND_HELP
)
@click.option(
    "--no-plausibility", is_flag=True, help="Skip the rule counts over every German unit (about a minute)."
)
@pass_context
def evaluate_command(context: Context, blend: float, no_plausibility: bool) -> None:
    """Backtest by time (fit before year Y, test on Y); count the plausibility rules over all suggestions."""
    report = evaluate(_input(context), blend=blend, with_plausibility=not no_plausibility)
    click.echo(
        "Backtest by time: each test year's partnerships (a Gemeinde or Stadt with a hromada or Kyiv, "
        "with a start year) ranked by the model fitted on the years before; ranks among all candidates "
        f"(occupied and already linked ones excluded); blend {blend:g}.\n"
    )
    click.echo(report.table())
    click.echo("\ncoefficients fitted before each test year (fit criteria, logit units):")
    names = list(FIT_CRITERIA[:-1])
    click.echo(f"{'year':<6}{'cases':>6}" + "".join(f"{n[:10]:>11}" for n in names))
    for year, model in report.fitted.items():
        click.echo(
            f"{year:<6}{model.provenance.get('cases', 0):>6}"
            + "".join(f"{model.coefficients.get(n, 0.0):>11.2f}" for n in names)
        )
    click.echo(f"need criteria (explicit weights): {', '.join(NEED_CRITERIA)}")
    p = report.plausibility
    if p is not None:
        click.echo(
            f"\nplausibility over the first ten suggestions of {p.subjects:,} German units "
            f"({p.suggestions:,} suggestions, default blend):\n"
            f"  already linked at some level: {p.already_linked}\n"
            f"  occupied (incl. occupied centre): {p.occupied}\n"
            f"  outside the size bounds: {p.outside_size_bounds}\n"
            f"  first ten all in one oblast: {p.top10_one_oblast} (mean {p.mean_oblasts_top10:.1f} oblasts)\n"
            f"  Kreise whose Gemeinden all get the same first hromada: {p.kreise_same_first} of {p.kreise}"
        )
    sys.stdout.flush()
