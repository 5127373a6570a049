"""The layers point one way: config -> analytics -> search -> indexer -> core, checked on source."""

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each package and the packages it may import; what flows back up goes through signals.
MAY_IMPORT = {
    "core": set(),
    "indexer": {"core"},
    "search": {"core", "indexer"},
    "analytics": {"core", "indexer", "search"},
    "config": {"core", "indexer", "search", "analytics"},
}
# Code that must run without Django: the engine, the extractors, text folding and analysis.
DJANGO_FREE = ["search/engine", "indexer/extract", "core/text.py", "core/analysis.py"]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40


@cache
def modules(package: str) -> tuple[Path, ...]:
    found = (ROOT / package).rglob("*.py") if (ROOT / package).is_dir() else [ROOT / package]
    return tuple(path for path in found if "migrations" not in path.parts)


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported(path: Path) -> set[str]:
    """Return the top-level names of what a module imports by absolute name."""
    names = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_package_imports_only_the_layers_below_it(package):
    apps = set(MAY_IMPORT)
    wrong = {
        f"{relative(path)} imports {name}"
        for path in modules(package)
        for name in imported(path) & apps - {package} - MAY_IMPORT[package]
    }

    assert sorted(wrong) == []


def test_the_allowed_imports_form_no_cycle():
    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            below == target or (below not in seen and reaches(below, target, seen | {below}))
            for below in MAY_IMPORT[start]
        )

    assert [package for package in MAY_IMPORT if reaches(package, package)] == []


@pytest.mark.parametrize("part", DJANGO_FREE)
def test_engine_extractors_and_folding_import_no_django_nor_other_apps(part):
    allowed = ("core.text", "core.analysis", part.replace("/", ".").removesuffix(".py"))

    def forbidden(module: str) -> bool:
        top = module.split(".")[0]
        if top in {"django", "rest_framework", "drf_spectacular"}:
            return True
        return top in MAY_IMPORT and not (module in allowed or module.startswith(allowed[-1]))

    wrong = {
        f"{relative(path)} imports {module}"
        for path in modules(part)
        for module in imported_modules(path)
        if forbidden(module)
    }

    assert sorted(wrong) == []


def test_engine_extractors_and_folding_load_without_django():
    names = [
        relative(path).removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        for part in DJANGO_FREE
        for path in modules(part)
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'django' not in sys.modules, 'django was imported'\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_module_is_past_300_lines_nor_function_past_40(package):
    too_long = []
    for path in modules(package):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{relative(path)}: {lines} lines")
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{relative(path)}: {node.name} has {length} lines")

    assert too_long == []
