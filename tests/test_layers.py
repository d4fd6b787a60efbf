"""The import-linter contracts (pyproject.toml) name the modules of each layer one by one
(import-linter's wildcards replace whole module names only): a new use case, rules module or
view must be named there too, or the contracts silently skip it. This test finds the modules by
their names (flows*, service*, effects: no Slack, no listeners; views*, *_views: no database)
and fails on one the contracts leave out."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


def domain_modules() -> list[str]:
    """bot.<domain>.<module> for every module of a domain folder."""
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "bot").glob("*/*.py")
        if path.stem != "__init__"
    )


def named(module: str, patterns: list[str]) -> bool:
    parts = module.split(".")
    return any(
        len(pattern.split(".")) == len(parts)
        and all(p in ("*", part) for p, part in zip(pattern.split("."), parts, strict=True))
        for pattern in patterns
    )


def contract(name_starts: str) -> list[str]:
    (found,) = [c for c in CONTRACTS if c["name"].startswith(name_starts)]
    return list(found["source_modules"])


def is_use_case_or_rules(module: str) -> bool:
    name = module.rsplit(".", 1)[-1]
    return name.startswith(("flows", "service")) or name == "effects"


def is_view(module: str) -> bool:
    name = module.rsplit(".", 1)[-1]
    return name.startswith("views") or name.endswith("_views")


@pytest.mark.parametrize(
    ("contract_name", "kind"),
    [
        ("Rules (service.py", is_use_case_or_rules),
        ("Rules, use cases and effects never import listeners", is_use_case_or_rules),
        ("Views never touch the database", is_view),
    ],
)
def test_every_module_of_a_layer_is_under_its_contract(
    contract_name: str, kind: Callable[[str], bool]
) -> None:
    sources = contract(contract_name)
    layer = [module for module in domain_modules() if kind(module)]
    assert layer, "no module of this layer found: the test would pass on nothing"
    assert [module for module in layer if not named(module, sources)] == []
