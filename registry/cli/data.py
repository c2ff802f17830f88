"""`registry load | stats | find | serve`: the bundled data, counts, name search, the server."""

from __future__ import annotations

import dataclasses
import json
import sys

import click
from sqlalchemy import func, select

from registry.cli import Context, main, pass_context
from registry.errors import IngestError
from registry.ingest.third_partners import unplaced_names
from registry.models import Municipality
from registry.repository import gazetteer as queries
from registry.services.loading import LoadReport, load_bundled
from registry.services.search import MunicipalitySearch


def _print_load_report(report: LoadReport) -> None:
    click.echo(f"municipalities: {report.municipalities}")
    click.echo(f"partnerships:   {report.partnerships}")
    click.echo(
        f"skipped: {report.skipped_unincorporated} gemeindefreie Gebiete (uninhabited or unincorporated "
        "areas, not municipalities)"
    )
    if report.without_coordinates:
        click.echo(
            f"without coordinates: {len(report.without_coordinates)} "
            f"({', '.join(report.without_coordinates[:20])})"
        )
    click.echo(
        f"not placed: {len(report.unplaced)} partnership row(s), kept for review "
        "(`registry stats` counts them):"
    )
    for unplaced in report.unplaced:
        click.echo(
            f"  {unplaced.row.file}:{unplaced.row.line} (id {unplaced.row.get('id')}): {unplaced.reason}"
        )
        if unplaced.candidates:
            click.echo(f"    candidates: {'; '.join(unplaced.candidates)}")
    third = report.third
    added, removed = report.third_changes
    click.echo(
        f"third-country twin towns: {len(third.ties)} ties of German and Ukrainian municipalities with "
        f"{len(third.towns)} towns ({added} added, {removed} removed); {third.german_ukrainian_pairs} direct "
        f"German–Ukrainian pairs and {third.same_country_pairs} pairs within one country left to other lists"
    )
    names = unplaced_names(third.unplaced)
    click.echo(f"  not placed: {len(third.unplaced)} row(s), {len(names)} name(s), kept for review:")
    for reason, rows in names:
        click.echo(f"    {reason} ({rows} row{'s' if rows > 1 else ''})")
    click.echo(
        f"hostilities list (Order No. 376): {len(report.war_listings):,} periods placed in hromadas, "
        f"{report.war_listing_unplaced} row(s) not placed"
    )
    click.echo(f"done in {report.seconds:.1f} s" + ("" if report.changed else " (nothing changed)"))


@main.command("load")
@pass_context
def load(context: Context) -> None:
    """Load the bundled data (idempotent: a second run changes nothing)."""
    context.ensure_migrated()
    try:
        report = load_bundled(context.sessions, context.settings.data_dir, click.echo)
    except IngestError as error:
        click.echo(f"error: {error}\nnothing was written.", err=True)
        sys.exit(2)
    _print_load_report(report)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def stats(context: Context, as_json: bool) -> None:
    """Count municipalities by country and level, partnerships by kind, status and start year."""
    with context.sessions() as session:
        figures = queries.statistics(session)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(figures), indent=2, ensure_ascii=False))
        return
    click.echo("municipalities by country/level:")
    for key, count in figures.municipalities.items():
        click.echo(f"  {key:28} {count:>7,}")
    partnerships = figures.partnerships
    click.echo(f"partnerships: {partnerships.total}")
    for title, counts in (
        ("by kind", partnerships.by_kind),
        ("by status", partnerships.by_status),
        ("by start year", partnerships.by_start_year),
    ):
        click.echo(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"sources: {figures.sources}; rows not placed (review queue): {figures.unresolved_rows}")


@main.command("find")
@click.argument("name")
@click.option("--country", type=click.Choice(["DE", "UA"], case_sensitive=False), help="Only this country.")
@click.option(
    "--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Number of results."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, best match first.")
@pass_context
def find(context: Context, name: str, country: str | None, limit: int, as_json: bool) -> None:
    """Find municipalities by NAME in any spelling (Charkiw, Kharkiv, Харків ...)."""
    with context.sessions() as session:
        results = MunicipalitySearch().find(
            session, name, country=country.upper() if country else None, limit=limit
        )
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
        return
    if not results:
        click.echo(f"nothing found for {name!r}")
        sys.exit(1)
    for r in results:
        native = f" / {r.name_uk}" if r.name_uk and r.name_uk != r.name else ""
        population = f"{r.population:,}" if r.population is not None else "?"
        click.echo(
            f"{r.score:6.1f}  {r.code:22} {r.country} {r.level:20} {r.name}{native}"
            f"  ({r.parent_name or '-'}; pop. {population})"
        )


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the port (PostgreSQL: each hears the others' writes at once).",
)
@pass_context
def serve(context: Context, host: str, port: int, workers: int) -> None:
    """Serve the API and pages; creates, migrates and loads the database on first start."""
    import uvicorn

    context.ensure_migrated()
    with context.sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(Municipality))
    if empty:
        click.echo("first start: loading the bundled data ...")
        _print_load_report(load_bundled(context.sessions, context.settings.data_dir, click.echo))
    if workers > 1 and not context.settings.database_url.startswith("postgresql"):
        click.echo("note: on SQLite, workers see each other's writes within a second (PostgreSQL: at once)")
    click.echo(f"serving on http://{host}:{port}/ with {workers} worker(s) (API docs: /schema, map: /map)")
    # proxy_headers off: uvicorn would believe X-Forwarded-For from any loopback client; the app reads
    # it from REGISTRY_TRUSTED_PROXIES only (registry/api/edge.py). Each worker builds its app from the
    # same environment the settings came from.
    uvicorn.run(
        "registry.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


@main.command("geocode")
@click.option("--online", is_flag=True, help="Ask Nominatim (OpenStreetMap; needs internet, 1 request/s).")
@click.option(
    "--user-agent", default="registry-geocoder", show_default=True, help="Sent to Nominatim, per its policy."
)
@pass_context
def geocode(context: Context, online: bool, user_agent: str) -> None:
    """Fill in missing coordinates: from the bundled GeoNames extract, or online when asked."""
    from registry.db import transaction
    from registry.geo import OfflineGeocoder
    from registry.ingest import datasets
    from registry.ingest.aliases import read_geonames
    from registry.services.coordinates import fill_missing_coordinates, nominatim_geocoder

    locate = (
        nominatim_geocoder(user_agent)
        if online
        else OfflineGeocoder(read_geonames(context.settings.data_dir / datasets.GEONAMES.path))
    )
    with transaction(context.sessions) as session:
        results = fill_missing_coordinates(session, locate, click.echo)
    placed = sum(1 for r in results if r.lat is not None)
    click.echo(f"placed {placed} of {len(results)} municipalities without coordinates")
