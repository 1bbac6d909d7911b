"""Priorities: which places should get aid first, by a model in the spirit of the INFORM
Severity Index (docs/priorities.md).

Three dimensions (impact, conditions of the people, complexity), each the weighted mean of its
indicators' scores; each indicator scored 1 to 5 by the thresholds of the model; the priority the
weighted mean of the dimensions (1.0 to 5.0) and a category 1 to 5. The weights and thresholds
are one YAML file (``priorities.yml`` beside this module is the default) a coordinator can copy
and change. Every score explains itself: each indicator's value, score and weight, and which
indicators had no value.

Access counts only upwards: a worse access status has a higher score, every weight is at least
0, so a place's priority never falls when its access gets worse, all else equal.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lagebild.analysis.access import AccessOn
from lagebild.errors import RefusedInput

DEFAULT_MODEL = Path(__file__).parent / "priorities.yml"

DIMENSIONS = ("impact", "conditions", "complexity")
#: The indicators the model may use, by dimension: the numbers gaps computes for each place.
INDICATORS = {
    "impact": ("people_in_need", "damage"),
    "conditions": ("days_without_aid", "coverage", "fatalities"),
    "complexity": ("access", "attacks_on_aid"),
}
ACCESS_STATUSES = ("accessible", "hard_to_reach", "besieged")
CATEGORY_NAMES = ("very low", "low", "medium", "high", "very high")


class ModelError(RefusedInput):
    """A priority model file that cannot be used: the file and what is wrong with it."""

    code = "priority_model"


@dataclass(frozen=True)
class Indicator:
    """How one indicator is scored: thresholds (four, in order) or, for access, a score per
    status."""

    name: str
    weight: float
    thresholds: tuple[float, ...] = ()
    lower_is_worse: bool = False
    never: float | None = None  # days_without_aid: the score of a place never served
    scores: dict[str, float] = field(default_factory=dict)  # access: status -> score

    def score(self, value: float | str) -> float:
        if isinstance(value, str):
            return self.scores[value]
        if self.lower_is_worse:
            return 1.0 + sum(1 for t in self.thresholds if value <= t)
        return 1.0 + bisect_right(self.thresholds, value)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"weight": self.weight}
        if self.scores:
            out["scores"] = dict(self.scores)
        else:
            out["thresholds"] = list(self.thresholds)
        if self.lower_is_worse:
            out["lower_is_worse"] = True
        if self.never is not None:
            out["never"] = self.never
        return out


@dataclass(frozen=True)
class Dimension:
    name: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Model:
    """The weights and thresholds of the priority model, and the file they came from."""

    dimensions: tuple[Dimension, ...]
    categories: tuple[float, ...]
    path: str

    def category(self, score: float) -> int:
        return 1 + bisect_right(self.categories, score)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.path,
            "dimensions": {
                d.name: {
                    "weight": d.weight,
                    "indicators": {i.name: i.as_dict() for i in d.indicators},
                }
                for d in self.dimensions
            },
            "categories": list(self.categories),
        }


def _number(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, not {value!r}")
    if value < 0:
        raise ValueError(f"{where} must not be negative, not {value!r}")
    return float(value)


def _thresholds(where: str, value: object, descending: bool) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError(f"{where} must be a list of four numbers, not {value!r}")
    numbers = tuple(_number(f"{where}[{i}]", v) for i, v in enumerate(value))
    ordered = sorted(numbers, reverse=descending)
    if list(numbers) != ordered or len(set(numbers)) != 4:
        order = "falling" if descending else "rising"
        raise ValueError(f"{where} must be four different numbers, {order}: {list(value)}")
    return numbers


def _access_scores(where: str, value: object) -> dict[str, float]:
    if not isinstance(value, dict) or set(value) != set(ACCESS_STATUSES):
        raise ValueError(f"{where} must give a score to each of {', '.join(ACCESS_STATUSES)}")
    scores = {s: _number(f"{where}.{s}", value[s]) for s in ACCESS_STATUSES}
    if any(not 1 <= v <= 5 for v in scores.values()):
        raise ValueError(f"{where}: each score must be between 1 and 5")
    ranked = [scores[s] for s in ACCESS_STATUSES]
    if ranked != sorted(ranked):
        raise ValueError(
            f"{where}: a worse status must not score lower (accessible <= hard_to_reach <= "
            f"besieged), not {scores}"
        )
    return scores


def _indicator(where: str, name: str, spec: object) -> Indicator:
    if not isinstance(spec, dict):
        raise ValueError(f"{where} must be a mapping")
    unknown = set(spec) - {"weight", "thresholds", "lower_is_worse", "never", "scores"}
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    weight = _number(f"{where}.weight", spec.get("weight", 1))
    if name == "access":
        return Indicator(name, weight, scores=_access_scores(f"{where}.scores", spec.get("scores")))
    lower = bool(spec.get("lower_is_worse", False))
    thresholds = _thresholds(f"{where}.thresholds", spec.get("thresholds"), descending=lower)
    never = spec.get("never")
    if never is not None:
        never = _number(f"{where}.never", never)
        if not 1 <= never <= 5:
            raise ValueError(f"{where}.never must be between 1 and 5")
    return Indicator(name, weight, thresholds, lower, never)


def _dimension(name: str, spec: object) -> Dimension:
    where = f"dimensions.{name}"
    if not isinstance(spec, dict) or not isinstance(spec.get("indicators"), dict):
        raise ValueError(f"{where} must have a weight and indicators")
    indicators = []
    for key, value in spec["indicators"].items():
        if key not in INDICATORS[name]:
            raise ValueError(
                f"{where}.indicators: unknown indicator {key!r}; {name} may use "
                f"{', '.join(INDICATORS[name])}"
            )
        indicators.append(_indicator(f"{where}.indicators.{key}", key, value))
    return Dimension(name, _number(f"{where}.weight", spec.get("weight", 1)), tuple(indicators))


def parse_model(data: Any, path: str) -> Model:
    """A model from the YAML's data; ValueError naming the key that is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), dict):
        raise ValueError("the file must have 'dimensions' and 'categories'")
    unknown = set(data["dimensions"]) - set(DIMENSIONS)
    if unknown:
        raise ValueError(
            f"dimensions: unknown dimension {sorted(unknown)[0]!r}; use {', '.join(DIMENSIONS)}"
        )
    dimensions = tuple(_dimension(n, data["dimensions"][n]) for n in DIMENSIONS
                       if n in data["dimensions"])
    if not any(d.weight > 0 and any(i.weight > 0 for i in d.indicators) for d in dimensions):
        raise ValueError("dimensions: at least one dimension and indicator must weigh above 0")
    categories = _thresholds("categories", data.get("categories"), descending=False)
    if any(not 1 < c <= 5 for c in categories):
        raise ValueError("categories must lie above 1 and at most 5")
    return Model(dimensions, categories, path)


def load_model(path: Path | str | None = None) -> Model:
    """The priority model of a YAML file, by default the one shipped with lagebild."""
    file = Path(path) if path else DEFAULT_MODEL
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{file}: cannot read the priority model: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ModelError(f"{file}: not a YAML file: {exc}") from exc
    try:
        return parse_model(data, "default" if path is None else str(file))
    except ValueError as exc:
        raise ModelError(f"{file}: {exc}") from exc


# -- the facts of a place and their scores --------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the model reads of one place on a date: None where the data has no value."""

    people_in_need: float | None
    damage: float | None
    days_without_aid: int | None  # None: never served (or no data)
    ever_served: bool
    coverage: float | None
    fatalities: int
    access: str | None
    access_within: dict[str, int] = field(default_factory=dict)
    attacks_on_aid: int = 0

    def access_status(self) -> tuple[str | None, str]:
        """The status scored, and where it comes from: the place's own (or inherited), else the
        most severe status among the places below it."""
        if self.access is not None:
            return self.access, "own"
        for status in reversed(ACCESS_STATUSES):
            if self.access_within.get(status):
                return status, "within"
        return None, "none"

    def value_of(self, name: str) -> float | str | None:
        """The indicator's value, or None when the data has none for the place."""
        if name == "access":
            return self.access_status()[0]
        if name == "days_without_aid":
            if self.ever_served:
                return self.days_without_aid
            return None
        value = getattr(self, name)
        return None if value is None else value


@dataclass(frozen=True)
class Scored:
    """One indicator of one place: its value, score and weight, or why it was not scored."""

    name: str
    value: float | str | None
    score: float | None
    weight: float
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "value": self.value,
            "score": self.score,
            "weight": self.weight,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Priority:
    """A place's priority (1.0 to 5.0), its category and how it was reached."""

    score: float | None
    category: int | None
    dimensions: dict[str, float | None]
    indicators: dict[str, dict[str, Scored]]

    @property
    def category_name(self) -> str | None:
        return CATEGORY_NAMES[self.category - 1] if self.category else None

    def missing(self) -> list[str]:
        return [s.name for d in self.indicators.values() for s in d.values() if s.score is None]

    def as_dict(self) -> dict[str, object]:
        return {
            "priority": self.score,
            "category": self.category,
            "category_name": self.category_name,
            "dimensions": self.dimensions,
            "indicators": {
                d: {name: s.as_dict() for name, s in scored.items()}
                for d, scored in self.indicators.items()
            },
            "missing": self.missing(),
        }


def _score_one(indicator: Indicator, facts: Facts) -> Scored:
    value = facts.value_of(indicator.name)
    note = ""
    if indicator.name == "days_without_aid" and not facts.ever_served:
        if facts.people_in_need and facts.people_in_need > 0 and indicator.never is not None:
            return Scored(indicator.name, None, indicator.never, indicator.weight,
                          "never had a delivery")
        return Scored(indicator.name, None, None, indicator.weight,
                      "no delivery and no one known in need")
    if value is None:
        return Scored(indicator.name, None, None, indicator.weight, "no data")
    if indicator.name == "access":
        status, origin = facts.access_status()
        if origin == "within":
            counts = ", ".join(f"{n} {s}" for s, n in sorted(facts.access_within.items()))
            note = f"the most severe status of the places below it ({counts})"
    return Scored(indicator.name, value, indicator.score(value), indicator.weight, note)


def _mean(pairs: list[tuple[float, float]]) -> float | None:
    weight = sum(w for _, w in pairs)
    if weight <= 0:
        return None
    return sum(s * w for s, w in pairs) / weight


def priority(model: Model, facts: Facts) -> Priority:
    """Score one place's facts by the model."""
    dimensions: dict[str, float | None] = {}
    indicators: dict[str, dict[str, Scored]] = {}
    for dimension in model.dimensions:
        scored = {i.name: _score_one(i, facts) for i in dimension.indicators}
        indicators[dimension.name] = scored
        dimensions[dimension.name] = _mean(
            [(s.score, s.weight) for s in scored.values() if s.score is not None]
        )
    weights = {d.name: d.weight for d in model.dimensions}
    dimensions = {n: None if v is None else round(v, 6) for n, v in dimensions.items()}
    score = _mean([(v, weights[n]) for n, v in dimensions.items() if v is not None])
    if score is not None:
        score = round(score, 6)
    return Priority(score, model.category(score) if score is not None else None,
                    dimensions, indicators)


def access_name(access: AccessOn | None) -> str | None:
    return access.status if access else None


@dataclass(frozen=True)
class PriorityRule:
    """The words that say how priorities were made, for the JSON and the pages."""

    model: Model
    as_of: date
    window_days: int

    def text(self) -> str:
        parts = []
        for d in self.model.dimensions:
            names = " + ".join(f"{i.weight:g} × {i.name}" for i in d.indicators)
            parts.append(f"{d.weight:g} × {d.name} ({names})")
        return (
            "priority = weighted mean of " + ", ".join(parts)
            + "; each indicator scored 1-5 by its thresholds; indicators without data left out"
        )
