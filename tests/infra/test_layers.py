"""The two Lambda layers carry what the functions run and nothing of the development tools.

The core layer is the staged asset of the synthesised stack (what CDK zips and uploads). The
dependencies layer cannot be downloaded here (`make layer-deps` fetches arm64 wheels), so it is
rebuilt from this machine's installed distributions with the same requirement list and the same
pruning (`infra.layer_deps`), and a cold start on both layers renders a directive PDF and an XLSX
report in an interpreter that sees nothing else (`layer_probe.py`).
"""

from __future__ import annotations

import ast
import importlib.metadata
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stage
from openpyxl import load_workbook
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pypdf import PdfReader
from sunlight.app import spec
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

from infra import layer_deps
from infra.constructs.compute import RUNTIME, base_environment
from tests.infra.conftest import Synthesis
from tests.unit.cases import Case

pytestmark = pytest.mark.infra

PYPROJECT = tomllib.loads((spec.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEV_ONLY_MODULES = {"moto", "pytest", "hypothesis", "aws_cdk", "constructs", "cdk_nag", "playwright", "pypdf"}
# What the Lambda runtime has besides the standard library (the tests lend this machine's copies).
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")
PROBE = Path(__file__).with_name("layer_probe.py")
TOOL_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def _core_layer_dir(synthesis: Synthesis) -> Path:
    """The staged folder CDK zips as the core layer, found through the stack's asset manifest."""
    layer_id = synthesis.logical_id(synthesis.stack.compute.layers[0])
    content = synthesis.cfn["Resources"][layer_id]["Properties"]["Content"]
    asset_hash = str(content["S3Key"]).removesuffix(".zip")
    stage = Stage.of(synthesis.stack)
    assert stage is not None
    outdir = Path(stage.outdir)
    manifest = json.loads((outdir / f"{synthesis.stack.artifact_id}.assets.json").read_text(encoding="utf-8"))
    source = manifest["files"][asset_hash]["source"]
    assert source["packaging"] == "zip"
    return outdir / source["path"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


# -- the core layer -------------------------------------------------------------------------------


def test_the_core_layer_is_the_package_without_its_devtools(synthesis: Synthesis) -> None:
    layer = _core_layer_dir(synthesis)
    files = sorted(p.relative_to(layer) for p in layer.rglob("*") if p.is_file())
    assert (layer / "python" / "sunlight" / "app" / "spec.py").is_file()
    assert all(path.parts[:2] == ("python", "sunlight") for path in files), files
    package_parts = {part for path in files for part in path.parts[2:]}
    assert not {"devtools", "local", "sample", "cli.py", "checker.py", "__pycache__"} & package_parts
    for path in files:
        if path.suffix == ".py":
            imported = {name.split(".")[0] for name in _imports(layer / path)} | _imports(layer / path)
            assert not imported & DEV_ONLY_MODULES, (path, imported & DEV_ONLY_MODULES)
            assert not any(name.startswith("sunlight.devtools") for name in imported), path


def test_what_the_core_layer_leaves_out_is_the_devtools_package_only(synthesis: Synthesis) -> None:
    """Everything else of the package is deployed (so the exclusion cannot grow by accident)."""
    layer = _core_layer_dir(synthesis) / "python"
    source = spec.ROOT / "layers" / "core" / "python"

    def tree(root: Path) -> set[Path]:
        """Files, less the tool and build droppings every asset leaves out (`ASSET_EXCLUDE`)."""
        return {
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix != ".pyc"
            and not any(part in TOOL_DIRS or part.endswith(".egg-info") for part in p.parts)
        }

    left_out = tree(source) - tree(layer)
    assert left_out
    assert [path for path in sorted(left_out) if path.parts[:2] != ("sunlight", "devtools")] == []
    assert tree(layer) <= tree(source)


# -- the dependencies layer -----------------------------------------------------------------------


def _dev_names() -> set[str]:
    return {
        canonicalize_name(Requirement(line).name)
        for line in PYPROJECT["project"]["optional-dependencies"]["dev"]
    }


def test_the_deps_layer_installs_the_project_dependencies_less_the_runtimes_sdk() -> None:
    names = {canonicalize_name(Requirement(line).name) for line in layer_deps.requirements()}
    project = {canonicalize_name(Requirement(line).name) for line in PYPROJECT["project"]["dependencies"]}
    assert names == project - layer_deps.RUNTIME_PROVIDED
    assert not names & _dev_names()
    assert not names & {"boto3", "botocore"}


def test_make_layer_deps_uses_the_same_requirements_and_pruning_for_the_lambda_runtime() -> None:
    makefile = (spec.ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nlayer-deps:", 1)[1].split("\n\n", 1)[0]
    assert "-m infra.layer_deps requirements > build/layer-requirements.txt" in recipe
    assert "-r build/layer-requirements.txt" in recipe
    assert "-m infra.layer_deps prune $(LAYER_DEPS)/python" in recipe
    version = re.search(r"^LAMBDA_PYTHON := (\S+)$", makefile, re.M)
    assert version is not None
    assert version[1] == layer_deps.LAMBDA_PYTHON
    assert RUNTIME.name == f"python{layer_deps.LAMBDA_PYTHON}"


def test_no_development_dependency_is_reached_from_the_layers_requirements() -> None:
    """Followed through every installed distribution's requirements, on the Lambda runtime's markers."""
    requires = {
        canonicalize_name(dist.metadata["Name"]): [Requirement(r) for r in dist.requires or []]
        for dist in importlib.metadata.distributions()
    }
    reached = layer_deps.needed(layer_deps.requirements(), requires)
    assert not reached & _dev_names()
    assert not reached & {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}
    assert {"pydantic", "reportlab", "openpyxl", "pillow", "cryptography", "jmespath"} <= reached


# -- a cold start on both layers ------------------------------------------------------------------


def _copy_distribution(name: str, site: Path, *, leave_out: str | None = None) -> None:
    dist = importlib.metadata.distribution(name)
    for file in dist.files or []:
        if file.parts[0] == ".." or (leave_out and str(file).startswith(leave_out)):
            continue
        target = site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(str(dist.locate_file(file))), target)


def _link_distribution(name: str, runtime: Path) -> None:
    dist = importlib.metadata.distribution(name)
    tops = {f.parts[0] for f in dist.files or [] if f.parts[0] != ".." and f.parts[0] != "__pycache__"}
    for top in tops:
        source = Path(str(dist.locate_file(top)))
        if source.exists() and not (runtime / top).exists():
            (runtime / top).symlink_to(source, target_is_directory=source.is_dir())


@pytest.fixture(scope="module")
def deps_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deps layer as `make layer-deps` makes it, from this machine's distributions."""
    site = tmp_path_factory.mktemp("deps-layer") / "python"
    requires = {
        canonicalize_name(dist.metadata["Name"]): [Requirement(r) for r in dist.requires or []]
        for dist in importlib.metadata.distributions()
    }
    environment = dict(default_environment())
    # Everything installed that the requirements reach, the runtime's SDK included (as pip would).
    for name in layer_deps.needed(layer_deps.requirements(), requires, environment):
        _copy_distribution(name, site)
    for name in ("python-dateutil", "six", "urllib3"):
        _copy_distribution(name, site)
    _copy_distribution("botocore", site, leave_out="botocore/data/")  # its API models: 30 MB
    layer_deps.prune(site, environment=environment)
    return site


def test_the_pruned_deps_layer_keeps_pillow_core_and_drops_what_is_never_loaded(deps_layer: Path) -> None:
    extensions = {p.name.split(".", 1)[0] for p in (deps_layer / "PIL").glob("_*.so")}
    assert extensions == {"_imaging"}
    assert not (deps_layer / "reportlab" / "fonts").exists()
    for gone in ("botocore", "urllib3", "dateutil", "six.py", "pycparser", "cffi", "bin"):
        assert not (deps_layer / gone).exists(), gone
    assert not list(deps_layer.rglob("RECORD"))
    assert not list(deps_layer.rglob("*.pyi"))
    assert not list(deps_layer.rglob("__pycache__"))
    tops = {p.name.split("-", 1)[0].split(".", 1)[0] for p in deps_layer.iterdir()}
    assert not tops & DEV_ONLY_MODULES


@pytest.fixture(scope="module")
def cold_start(
    synthesis: Synthesis, deps_layer: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("cold-start")
    runtime = work / "runtime"
    runtime.mkdir()
    for name in RUNTIME_DISTRIBUTIONS:
        _link_distribution(name, runtime)
    core = _core_layer_dir(synthesis) / "python"
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    alert = Case().apply().accept().active(calendar, "2026-11-12 09:00")["T-YELLOW"].to_json()
    functions = sorted(p.parent.name for p in (spec.ROOT / "functions").glob("*/handler.py"))
    args = {
        # As on Lambda: the function code, the layers under /opt/python, then the runtime's packages.
        "path": [str(spec.ROOT / "functions"), str(core), str(deps_layer), str(runtime)],
        "environment": {**base_environment(synthesis.config), "AWS_DEFAULT_REGION": synthesis.config.region},
        "out": str(work),
        "core": str(core),
        "functions": functions,
        "alert": alert,
        "number": "杭监督〔2026〕第0012号",
        "issued_at": "2026-11-12T09:30:00+08:00",
        "department": "市住房和城乡建设局",
        "report_title": "2026年10月 按时办结情况",
    }
    (work / "args.json").write_text(json.dumps(args, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(PROBE), str(work / "args.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=work,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    result["work"] = str(work)
    result["layers"] = [str(core), str(deps_layer), str(runtime)]
    return result


def test_every_module_of_the_core_layer_and_every_handler_imports_on_the_layers(
    cold_start: dict[str, Any],
) -> None:
    assert cold_start["errors"] == {}
    assert "sunlight.app.bootstrap" in cold_start["modules"]
    assert len(cold_start["handlers"]) == len(spec.FUNCTIONS)
    assert cold_start["devtools_importable"] is False
    loaded = {name.split(".")[0] for name in cold_start["loaded"]}
    assert not loaded & DEV_ONLY_MODULES


def test_nothing_is_loaded_from_outside_the_layers_and_the_standard_library(
    cold_start: dict[str, Any],
) -> None:
    """The runtime's packages are this machine's copies, linked from the runtime folder."""
    allowed = [str(spec.ROOT / "functions"), *cold_start["layers"], sys.base_prefix, sys.base_exec_prefix]
    for module, file in cold_start["files"].items():
        assert any(file.startswith(f"{prefix}/") for prefix in allowed), (module, file)


def test_the_layers_render_a_directive_pdf_and_an_xlsx_report(cold_start: dict[str, Any]) -> None:
    work = Path(cold_start["work"])
    pdf = (work / "directive.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "督办通知书" in text
    assert "C2026-000001" in text
    sheet = load_workbook(work / "report.xlsx").active
    assert sheet is not None
    assert sheet["A1"].value == "2026年10月 按时办结情况"
    assert cold_start["opened"] == "王敏"
    # reportlab loads PIL.Image (its core extension only); no image codec is ever loaded.
    assert "PIL.Image" in cold_start["loaded"]
    codecs = {"PIL._webp", "PIL._avif", "PIL._imagingft", "PIL._imagingcms"}
    assert not codecs & set(cold_start["loaded"])
