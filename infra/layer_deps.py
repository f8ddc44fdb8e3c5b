"""The third-party dependencies layer: what goes in, and what comes out again after pip installs it.

`make layer-deps` writes `python -m infra.layer_deps requirements` (the `[project]` dependencies of
pyproject.toml, never the `dev` extra, minus what the Lambda runtime provides) to
build/layer-requirements.txt, pip-installs them as manylinux aarch64 wheels for the runtime's Python
into build/layer-deps/python, then runs `python -m infra.layer_deps prune build/layer-deps/python`,
which removes what the functions never load:

- distributions only the runtime's SDK needs: boto3, botocore and s3transfer are in the runtime, and
  so is what they alone depend on (urllib3, python-dateutil, six); a dependency that one of ours
  also names (jmespath, for Powertools) stays;
- Pillow down to its core: reportlab imports `PIL.Image` when it loads (reportlab/lib/utils.py), so
  Pillow cannot go, but our PDFs are text only and never decode an image, so only the extension
  `PIL.Image` itself loads (`_imaging`) stays, with the bundled libraries it links (`DT_NEEDED`,
  followed through the libraries); the AVIF, WebP, FreeType, LittleCMS, math, morphology and Tk
  extensions and their libraries go;
- reportlab's font files (Type 1 and TrueType files for embedding; our PDFs use the built-in CID
  font STSong-Light and the standard fonts, whose metrics are Python modules) and its demos;
- cffi's build half (the `cffi` package and the pycparser distribution): cryptography's Rust
  extension needs only the `_cffi_backend` module at run time;
- installer records (`RECORD`, `INSTALLER`, `REQUESTED`, `WHEEL`, `direct_url.json`; `METADATA`,
  entry points and licences stay: pydantic reads entry points), type stubs (`*.pyi`, and the stubs
  packages they leave empty), `__pycache__` (compiled by the host's Python, not the runtime's) and
  console scripts (`bin/`).

tests/infra/test_layers.py builds the same layer from this machine's installed distributions, prunes
it with `prune` and renders a directive PDF and an XLSX report with it, in an interpreter that sees
nothing else.
"""

from __future__ import annotations

import shutil
import struct
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sunlight.app import spec

PYPROJECT = spec.ROOT / "pyproject.toml"
LAMBDA_PYTHON = "3.12"  # compute.RUNTIME; the Makefile's LAMBDA_PYTHON
# What the Lambda Python runtime already has: never shipped, nor what only these depend on.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
# Needed only to build cffi modules (cffi's C parser): nothing loads it at run time.
BUILD_ONLY = frozenset({"pycparser"})
# The marker environment of the Lambda runtime (arm64), for the dependencies' conditions.
LAMBDA_ENVIRONMENT: dict[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": f"{LAMBDA_PYTHON}.0",
    "os_name": "posix",
    "platform_machine": "aarch64",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "python_full_version": f"{LAMBDA_PYTHON}.0",
    "python_version": LAMBDA_PYTHON,
    "sys_platform": "linux",
}
# Pillow: the extension modules `PIL.Image` imports (the rest load only to decode or draw images).
PIL_EXTENSIONS_KEPT = ("_imaging",)
# Paths (relative to the layer's python/) removed outright.
UNUSED_PATHS = (
    "reportlab/fonts",
    "reportlab/graphics/samples",
    "reportlab/graphics/testshapes.py",
    "reportlab/graphics/testdrawings.py",
    "cffi",
    "bin",
)
INSTALLER_FILES = ("RECORD", "INSTALLER", "REQUESTED", "WHEEL", "direct_url.json")
UNUSED_SUFFIXES = (".pyi",)


def requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The `[project]` dependencies the layer installs: not the `dev` extra, not the runtime's SDK."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [
        line
        for line in project["dependencies"]
        if canonicalize_name(Requirement(line).name) not in RUNTIME_PROVIDED
    ]


@dataclass(frozen=True)
class Installed:
    """One distribution installed in a folder: its name, what it requires, its dist-info folder."""

    name: str
    requires: tuple[Requirement, ...]
    dist_info: Path

    def files(self, site: Path) -> list[Path]:
        """Its files, from its RECORD (inside `site` only)."""
        record = self.dist_info / "RECORD"
        if not record.is_file():
            raise FileNotFoundError(f"{record}: no RECORD, so its files are unknown")
        paths = [line.split(",", 1)[0] for line in record.read_text(encoding="utf-8").splitlines()]
        return [site / path for path in paths if path and not path.startswith("..")]


def installed(site: Path) -> dict[str, Installed]:
    """The distributions installed in `site` (pip --target), by canonical name."""
    found: dict[str, Installed] = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        metadata = Parser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        requires = tuple(Requirement(line) for line in metadata.get_all("Requires-Dist") or [])
        name = canonicalize_name(metadata["Name"])
        found[name] = Installed(name, requires, dist_info)
    return found


def needed(
    roots: Iterable[str],
    requires: Mapping[str, Iterable[Requirement]],
    environment: Mapping[str, str] | None = None,
) -> set[str]:
    """The distributions `roots` need, transitively, in `environment` (default: the Lambda runtime's),
    leaving out the runtime's SDK and whatever is reached only through it, and build-only ones."""
    env = dict(LAMBDA_ENVIRONMENT if environment is None else environment)
    seen: set[str] = set()
    todo = [(Requirement(root), "") for root in roots]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({**env, "extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in RUNTIME_PROVIDED or name in BUILD_ONLY:
            continue
        extras = sorted(requirement.extras)
        key = f"{name}[{','.join(extras)}]"
        if key in seen:
            continue
        seen.add(key)
        for child in requires.get(name, ()):
            # A child is wanted for the base (extra "") and for each extra asked for.
            todo.extend((child, wanted) for wanted in ["", *extras])
    return {key.split("[", 1)[0] for key in seen}


def elf_needed(path: Path) -> list[str]:
    """The shared libraries an ELF file names (`DT_NEEDED`), read from its dynamic section."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF":
        return []
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, shentsize, shnum = (
            struct.unpack_from(f"{order}Q", data, 0x28)[0],
            *struct.unpack_from(f"{order}HH", data, 0x3A),
        )
        section, entry = f"{order}IIQQQQIIQQ", f"{order}qQ"
    else:
        shoff, shentsize, shnum = (
            struct.unpack_from(f"{order}I", data, 0x20)[0],
            *struct.unpack_from(f"{order}HH", data, 0x2E),
        )
        section, entry = f"{order}IIIIIIIIII", f"{order}iI"
    sections = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    names: list[str] = []
    for _, kind, _, _, offset, size, link, _, _, _ in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strings = sections[link][4]
        for at in range(offset, offset + size, struct.calcsize(entry)):
            tag, value = struct.unpack_from(entry, data, at)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                start = strings + value
                names.append(data[start : data.index(b"\0", start)].decode())
    return names


def _remove(path: Path, removed: list[str], site: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    else:
        return
    removed.append(str(path.relative_to(site)))


def _prune_distributions(site: Path, removed: list[str], environment: Mapping[str, str] | None) -> None:
    dists = installed(site)
    keep = needed(requirements(), {name: dist.requires for name, dist in dists.items()}, environment)
    for name, dist in sorted(dists.items()):
        if name in keep:
            continue
        for path in dist.files(site):
            _remove(path, removed, site)
        _remove(dist.dist_info, removed, site)
    for folder in sorted(p for p in site.iterdir() if p.is_dir()):
        if not any(p.is_file() for p in folder.rglob("*")):  # only empty folders left behind
            _remove(folder, removed, site)


def _prune_pillow(site: Path, removed: list[str]) -> None:
    package, libraries = site / "PIL", site / "pillow.libs"
    if not package.is_dir():
        return
    kept: list[Path] = []
    for extension in sorted(package.glob("_*.so")):
        if extension.name.split(".", 1)[0] in PIL_EXTENSIONS_KEPT:
            kept.append(extension)
        else:
            _remove(extension, removed, site)
    if not libraries.is_dir():
        return
    linked: set[str] = set()
    todo = list(kept)
    while todo:
        for name in elf_needed(todo.pop()):
            if name not in linked and (libraries / name).is_file():
                linked.add(name)
                todo.append(libraries / name)
    for library in sorted(libraries.iterdir()):
        if library.name not in linked:
            _remove(library, removed, site)


def prune(site: Path, *, environment: Mapping[str, str] | None = None) -> list[str]:
    """Remove from `site` (the layer's python/) what the functions never load; the paths removed.

    `environment` is the marker environment the dependencies are evaluated in (default: the Lambda
    runtime's); the tests prune a copy of this machine's installation with its own."""
    removed: list[str] = []
    _prune_distributions(site, removed, environment)
    _prune_pillow(site, removed)
    for relative in UNUSED_PATHS:
        _remove(site / relative, removed, site)
    for dist_info in sorted(site.glob("*.dist-info")):
        for name in INSTALLER_FILES:
            _remove(dist_info / name, removed, site)
    for path in sorted(site.rglob("*")):
        if path.name == "__pycache__" or (path.is_file() and path.suffix in UNUSED_SUFFIXES):
            _remove(path, removed, site)
    # Folders left empty (a stubs-only package such as wrapt-stubs), deepest first.
    for path in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            _remove(path, removed, site)
    return removed


def size(path: Path) -> int:
    """Bytes in the files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    if argv[:1] == ["requirements"] and len(argv) == 1:
        print("\n".join(requirements()))
        return 0
    if argv[:1] == ["prune"] and len(argv) == 2:
        site = Path(argv[1])
        before = size(site)
        removed = prune(site)
        after = size(site)
        print(
            f"layer-deps: pruned {len(removed)} paths, {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB",
            file=sys.stderr,
        )
        return 0
    print("usage: python -m infra.layer_deps requirements | prune SITE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
