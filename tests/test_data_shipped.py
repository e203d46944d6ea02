"""The data files that ship in ``data/``: they validate and say what the source says."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from inspect_tui.models import (
    IndicatorKind,
    IndicatorSystemFile,
    OrgTreeFile,
    UnitKind,
)

DATA = Path(__file__).resolve().parents[1] / "data"
V2 = DATA / "checklists" / "branch-benchmark-v2.yaml"
V3 = DATA / "checklists" / "branch-benchmark-v3.yaml"
ORG = DATA / "demo" / "org.yaml"

# Units the source document (第五篇) names.
SOURCE_UNITS = [
    "機關黨總支",
    "變電運行處黨總支",
    "客戶服務中心黨支部",
    "送電處黨支部",
    "市區局黨總支",
    "信息中心黨支部",
    "工程公司黨支部",
    "檢修處黨支部",
]


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def v2() -> IndicatorSystemFile:
    return IndicatorSystemFile.model_validate(_load(V2))


@pytest.fixture(scope="module")
def v3() -> IndicatorSystemFile:
    return IndicatorSystemFile.model_validate(_load(V3))


@pytest.fixture(scope="module")
def org() -> OrgTreeFile:
    return OrgTreeFile.model_validate(_load(ORG))


# --------------------------------------------------------------------------- indicator systems


def test_v2_is_seven_aspects_twenty_eight_items(v2: IndicatorSystemFile) -> None:
    assert v2.code == "branch-benchmark"
    assert v2.version == 2
    assert v2.effective_from == dt.date(2007, 1, 1)
    assert len(v2.aspects) == 7
    assert len(v2.indicators()) == 28


def test_v2_adds_safety_and_bonus_aspects(v2: IndicatorSystemFile) -> None:
    titles = [a.title for a in v2.aspects]
    for title in [
        "領導班子建設",
        "組織建設",
        "精神文明建設",
        "思想政治工作",
        "對群團工作的領導",
        "參與安全生產經營管理",
        "表彰加分",
    ]:
        assert title in titles
    last = v2.aspects[-1]
    assert last.title == "表彰加分"
    assert all(i.kind is IndicatorKind.BONUS for i in last.indicators)


def test_v3_is_seven_aspects_twenty_items_with_self_chosen_and_bonus(
    v3: IndicatorSystemFile,
) -> None:
    assert v3.code == "branch-benchmark"
    assert v3.version == 3
    assert v3.effective_from == dt.date(2007, 7, 1)
    assert len(v3.aspects) == 7
    assert len(v3.indicators()) == 20
    kinds = [i.kind for i in v3.indicators()]
    assert IndicatorKind.SELF_CHOSEN in kinds
    assert IndicatorKind.BONUS in kinds


def test_versions_follow_each_other(v2: IndicatorSystemFile, v3: IndicatorSystemFile) -> None:
    assert v2.code == v3.code
    assert v3.version > v2.version
    assert v3.effective_from > v2.effective_from


@pytest.mark.parametrize("path", [V2, V3], ids=["v2", "v3"])
def test_standards_and_guidance_are_real_and_distinct(path: Path) -> None:
    system = IndicatorSystemFile.model_validate(_load(path))
    indicators = system.indicators()
    standards = [i.standard for i in indicators]
    guidance = [i.guidance for i in indicators]
    titles = [i.title for i in indicators]
    assert len(set(standards)) == len(standards), "a 考核標準 is repeated"
    assert len(set(guidance)) == len(guidance), "a 查看資料 is repeated"
    assert len(set(titles)) == len(titles), "an indicator title is repeated"
    assert not set(standards) & set(guidance), "a guidance text repeats a standard"
    for ind in indicators:
        assert len(ind.standard) > 10, ind.code
        assert len(ind.guidance) > 10, ind.code


@pytest.mark.parametrize("path", [V2, V3], ids=["v2", "v3"])
def test_chinese_text_has_no_stray_spaces(path: Path) -> None:
    """A YAML folded block joins lines with a space; that must not leak into sentences."""
    system = IndicatorSystemFile.model_validate(_load(path))
    cjk_space = re.compile(r"[\u3000-\u9fff\uff00-\uffef] | [\u3000-\u9fff\uff00-\uffef]")
    texts = [system.title, system.description]
    for aspect in system.aspects:
        texts.append(aspect.title)
        for ind in aspect.indicators:
            texts += [ind.title, ind.standard, ind.guidance]
    for text in texts:
        assert not cjk_space.search(text), text


@pytest.mark.parametrize("path", [V2, V3], ids=["v2", "v3"])
def test_regular_items_total_one_hundred(path: Path) -> None:
    system = IndicatorSystemFile.model_validate(_load(path))
    total = sum(
        i.max_score * i.weight for i in system.indicators() if i.kind is not IndicatorKind.BONUS
    )
    assert total == pytest.approx(100)


@pytest.mark.parametrize("path", [V2, V3], ids=["v2", "v3"])
def test_rules_are_mixed(path: Path) -> None:
    system = IndicatorSystemFile.model_validate(_load(path))
    types = {i.rule.type for i in system.indicators()}
    assert {"pass_fail", "graded", "deduct", "scale", "bonus"} <= types


# --------------------------------------------------------------------------- demo organisation


def test_demo_org_size(org: OrgTreeFile) -> None:
    assert 20 <= len(org.units) <= 40
    assert sum(u.kind is UnitKind.BRANCH for u in org.units) >= 20


def test_demo_org_contains_the_units_the_source_names(org: OrgTreeFile) -> None:
    names = {u.name for u in org.units}
    for name in SOURCE_UNITS:
        assert name in names


def test_demo_org_is_one_tree_under_the_committee(org: OrgTreeFile) -> None:
    by_code = {u.code: u for u in org.units}
    roots = [u for u in org.units if u.parent is None]
    assert len(roots) == 1
    assert roots[0].kind is UnitKind.COMMITTEE
    assert roots[0].name == "中共渭南供電局委員會"
    assert sum(u.kind is UnitKind.COMMITTEE for u in org.units) == 1
    for unit in org.units:
        if unit.parent is not None:
            assert unit.parent in by_code, f"{unit.code}: parent {unit.parent!r} missing"
    # every unit reaches the root without a cycle
    for unit in org.units:
        seen: set[str] = set()
        node = unit
        while node.parent is not None:
            assert node.code not in seen, f"cycle at {node.code}"
            seen.add(node.code)
            node = by_code[node.parent]
        assert node is roots[0]


def test_demo_org_general_branches_hold_branches(org: OrgTreeFile) -> None:
    by_code = {u.code: u for u in org.units}
    general = [u for u in org.units if u.kind is UnitKind.GENERAL_BRANCH]
    assert general
    for gb in general:
        assert by_code[gb.parent].kind is UnitKind.COMMITTEE
    assert any(
        u.kind is UnitKind.BRANCH and by_code[u.parent].kind is UnitKind.GENERAL_BRANCH
        for u in org.units
        if u.parent
    )


def test_demo_units_have_secretary_members_and_contact(org: OrgTreeFile) -> None:
    for unit in org.units:
        assert unit.secretary, unit.code
        assert unit.members > 0, unit.code
        assert re.fullmatch(r"0913-\d{7}", unit.contact), unit.code
        assert unit.code.isascii(), unit.code
