"""Copy the Leaflet files the map needs from the npm registry into ``registry/map/static/vendor``.

The versions are the ones folium's own elements point to (``folium.Map.default_js`` and
``folium.plugins.MarkerCluster.default_js``), so the vendored files behave exactly like the CDN ones
folium was tested with. The script stops if ``registry/map/assets.py`` names other versions: after a
folium upgrade, update the versions there first, then run this again.

It fetches each package with ``npm pack`` (the npm registry is reachable where CDNs are not; npm checks
the tarball's integrity hash), extracts only the files listed in ``assets.py`` plus the licence, and
writes ``vendor/README.md`` with name, version, licence, tarball integrity and each file's SHA-256.

Run: ``.venv/bin/python scripts/vendor_map_assets.py`` (needs ``npm``), or with ``--check`` to compare
the committed files with fresh tarballs without writing anything.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import folium
from folium.plugins import MarkerCluster

from registry.map.assets import LEAFLET, MARKER_CLUSTER, STATIC_DIR, VENDOR_PACKAGES, VendorPackage

if TYPE_CHECKING:
    from collections.abc import Sequence

FOLIUM_VERSION = importlib.metadata.version("folium")

VENDOR_DIR = STATIC_DIR / "vendor"

# How folium 0.20 spells the versions in its CDN URLs.
_FOLIUM_VERSION_PATTERNS = {
    LEAFLET.name: (folium.Map.default_js, re.compile(r"/npm/leaflet@([\d.]+)/")),
    MARKER_CLUSTER.name: (MarkerCluster.default_js, re.compile(r"/leaflet\.markercluster/([\d.]+)/")),
}


@dataclass(frozen=True)
class Fetched:
    """A package tarball as npm reported it."""

    package: VendorPackage
    tarball: Path
    integrity: str
    declared_license: str


def folium_versions() -> dict[str, str]:
    """Return the version of each vendored package that folium's default URLs name."""
    versions = {}
    for name, (links, pattern) in _FOLIUM_VERSION_PATTERNS.items():
        found = {m.group(1) for _, url in links if (m := pattern.search(url))}
        if len(found) != 1:
            raise SystemExit(f"cannot tell which {name} version folium {FOLIUM_VERSION} uses: {found}")
        versions[name] = found.pop()
    return versions


def npm_pack(package: VendorPackage, destination: Path) -> Fetched:
    """Download one package tarball with ``npm pack`` and return where it is."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed (apt-get install -y npm)")
    spec = f"{package.name}@{package.version}"
    result = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(destination)],
        check=True,
        capture_output=True,
        text=True,
    )
    (info,) = json.loads(result.stdout)
    tarball = destination / info["filename"]
    with tarfile.open(tarball) as tar:
        manifest = tar.extractfile("package/package.json")
        if manifest is None:
            raise SystemExit(f"{spec}: tarball has no package.json")
        declared = str(json.load(manifest).get("license", ""))
    if declared != package.license:
        raise SystemExit(
            f"{spec}: package.json says licence {declared!r}, assets.py says {package.license!r}"
        )
    return Fetched(package, tarball, str(info["integrity"]), declared)


def _members(fetched: Fetched) -> dict[str, bytes]:
    """Return the wanted files of a tarball, keyed by their path under ``STATIC_DIR``."""
    package = fetched.package
    wanted = {f"package/{f}": package.static_path(f) for f in package.files}
    wanted[f"package/{package.license_file}"] = f"{package.directory}/{package.license_file}"
    out: dict[str, bytes] = {}
    with tarfile.open(fetched.tarball) as tar:
        for member_name, target in wanted.items():
            member = tar.extractfile(member_name)
            if member is None:
                raise SystemExit(f"{package.name}@{package.version}: {member_name} missing from tarball")
            out[target] = member.read()
    return out


def write_readme(fetched: Sequence[Fetched], files: dict[str, bytes]) -> str:
    """Return the text of ``vendor/README.md``."""
    lines = [
        "# Vendored map libraries",
        "",
        "Written by `scripts/vendor_map_assets.py`; do not edit by hand. Files are copied unchanged",
        "from the npm registry tarballs of the versions folium "
        f"{FOLIUM_VERSION} references, so the map needs no CDN.",
        "",
        "| package | version | licence | licence file | tarball integrity |",
        "|---|---|---|---|---|",
    ]
    for f in fetched:
        p = f.package
        lines.append(
            f"| [{p.name}](https://www.npmjs.com/package/{p.name}) | {p.version} | {f.declared_license} "
            f"| `{p.directory.removeprefix('vendor/')}/{p.license_file}` | `{f.integrity}` |"
        )
    lines += ["", "## Files (SHA-256)", ""]
    lines += [
        f"- `{path.removeprefix('vendor/')}` `{hashlib.sha256(data).hexdigest()}`"
        for path, data in sorted(files.items())
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Fetch, compare or write the vendored files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with fresh tarballs, write nothing")
    args = parser.parse_args(argv)

    expected = folium_versions()
    for package in VENDOR_PACKAGES:
        if expected[package.name] != package.version:
            raise SystemExit(
                f"folium {FOLIUM_VERSION} uses {package.name} {expected[package.name]}, "
                f"assets.py vendors {package.version}: update registry/map/assets.py first"
            )

    with tempfile.TemporaryDirectory() as tmp:
        fetched = [npm_pack(package, Path(tmp)) for package in VENDOR_PACKAGES]
        files: dict[str, bytes] = {}
        for f in fetched:
            files.update(_members(f))

    readme = write_readme(fetched, files)
    if args.check:
        stale = [
            p
            for p, data in files.items()
            if not (STATIC_DIR / p).is_file() or (STATIC_DIR / p).read_bytes() != data
        ]
        if (VENDOR_DIR / "README.md").read_text(encoding="utf-8") != readme:
            stale.append("vendor/README.md")
        for path in stale:
            print(f"differs: {path}", file=sys.stderr)
        print("vendored files match the npm tarballs" if not stale else f"{len(stale)} file(s) differ")
        return 1 if stale else 0

    keep = {package.directory.removeprefix("vendor/") for package in VENDOR_PACKAGES}
    for old in VENDOR_DIR.glob("*/"):
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old)
            print(f"removed {old.relative_to(STATIC_DIR)}")
    for path, data in files.items():
        target = STATIC_DIR / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    (VENDOR_DIR / "README.md").write_text(readme, encoding="utf-8")
    print("wrote vendor/README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
