"""Instruments (量表) and their scoring: definitions checked before they are saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from ..models import (
    CutOff,
    Instrument,
    InstrumentItem,
    WarningLevel,
)
from .common import TWO_PLACES, ScreeningError

# --- instruments -------------------------------------------------------------------------


def options_parse(text: str) -> list[tuple[int, str]]:
    """``"0=完全不会\\n1=好几天"`` → [(0, "完全不会"), (1, "好几天")]; ValueError on bad lines."""
    options = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        score, sep, label = line.replace("＝", "=").partition("=")
        try:
            value = int(score.strip())
        except ValueError:
            raise ValueError(f"第{number}行“{line}”应写作“分值=选项文字”，分值为整数") from None
        if not sep or not label.strip():
            raise ValueError(f"第{number}行“{line}”缺少选项文字")
        options.append((value, label.strip()))
    return options


def instrument_check(*, scoring: str, items: list[dict], cutoffs: list[dict]) -> list[str]:
    """Consistency of an instrument; [] when it may be saved.

    ``items``: dicts with number, options (text), is_critical, critical_min_score.
    ``cutoffs``: dicts with min_score, max_score, label.
    """
    errors: list[str] = []
    if not items:
        errors.append("量表至少需要一道题目。")
    seen_numbers = set()
    lows, highs = [], []
    for item in items:
        number = item.get("number")
        where = f"第{number}题"
        if number in seen_numbers:
            errors.append(f"{where}：题号重复。")
        seen_numbers.add(number)
        try:
            options = options_parse(item.get("options") or "")
        except ValueError as exc:
            errors.append(f"{where}选项：{exc}。")
            continue
        if not options:
            errors.append(f"{where}：没有选项，至少需要两个选项。")
            continue
        if len(options) < 2:
            errors.append(f"{where}：至少需要两个选项。")
        scores = [score for score, _ in options]
        if len(set(scores)) != len(scores):
            errors.append(f"{where}：选项分值重复。")
        lows.append(min(scores))
        highs.append(max(scores))
        if item.get("is_critical"):
            threshold = item.get("critical_min_score")
            if threshold is None:
                errors.append(f"{where}：关键题需要填写阈值。")
            elif not min(scores) < threshold <= max(scores):
                errors.append(
                    f"{where}：关键题阈值 {threshold} 不在该题可能得分 {min(scores)}–{max(scores)} 内。"
                )
    if errors or not items:
        return errors
    if scoring == Instrument.Scoring.MEAN:
        low = (Decimal(sum(lows)) / len(lows)).quantize(TWO_PLACES)
        high = (Decimal(sum(highs)) / len(highs)).quantize(TWO_PLACES)
        step = TWO_PLACES
    else:
        low, high, step = Decimal(sum(lows)), Decimal(sum(highs)), Decimal(1)
    if not cutoffs:
        errors.append("量表至少需要一个分界（得分到级别的对应）。")
        return errors
    bands = sorted(cutoffs, key=lambda c: Decimal(c["min_score"]))
    for band in bands:
        lo, hi = Decimal(band["min_score"]), Decimal(band["max_score"])
        name = f"分界“{band.get('label') or ''}”（{lo}–{hi}）"
        if lo > hi:
            errors.append(f"{name}：下限大于上限。")
        if lo < low or hi > high:
            errors.append(f"{name}：超出可能得分范围 {low}–{high}。")
    if errors:
        return errors
    if Decimal(bands[0]["min_score"]) != low:
        errors.append(f"分界没有覆盖最低分 {low}。")
    if Decimal(bands[-1]["max_score"]) != high:
        errors.append(f"分界没有覆盖最高分 {high}。")
    for before, after in zip(bands, bands[1:], strict=False):
        gap = Decimal(after["min_score"]) - Decimal(before["max_score"])
        if gap <= 0:
            errors.append(f"分界“{before.get('label')}”与“{after.get('label')}”重叠。")
        elif gap > step:
            errors.append(f"分界“{before.get('label')}”与“{after.get('label')}”之间有空档。")
    return errors


@transaction.atomic
def instrument_save(*, spec: dict, school=None) -> Instrument:
    """Create or replace (by code, version, school) an instrument from a plain spec.

    Refuses an inconsistent spec. Used by the built-in loader, demo and tests.
    """
    items = spec["items"]
    cutoffs = spec["cutoffs"]
    errors = instrument_check(scoring=spec["scoring"], items=items, cutoffs=cutoffs)
    if errors:
        raise ScreeningError(errors)
    instrument, _ = Instrument.objects.update_or_create(
        code=spec["code"],
        version=spec.get("version", "1"),
        school=school,
        defaults={
            "name": spec["name"],
            "kind": spec.get("kind", Instrument.Kind.SCHOOL),
            "instructions": spec.get("instructions", ""),
            "scoring": spec["scoring"],
            "licence_note": spec.get("licence_note", ""),
        },
    )
    if instrument.results.exists():
        return instrument  # a version in use is frozen; change it by adding a new version
    InstrumentItem.objects.filter(instrument=instrument).delete()
    CutOff.objects.filter(instrument=instrument).delete()
    InstrumentItem.objects.bulk_create(
        InstrumentItem(
            instrument=instrument,
            sort_order=index,
            number=item["number"],
            text=item.get("text", ""),
            subscale=item.get("subscale", ""),
            options=item["options"],
            is_critical=item.get("is_critical", False),
            critical_min_score=item.get("critical_min_score"),
        )
        for index, item in enumerate(items)
    )
    CutOff.objects.bulk_create(
        CutOff(
            instrument=instrument,
            sort_order=index,
            min_score=Decimal(band["min_score"]),
            max_score=Decimal(band["max_score"]),
            label=band["label"],
            level=band.get("level", ""),
        )
        for index, band in enumerate(cutoffs)
    )
    return instrument


def builtin_instruments_ensure() -> list[Instrument]:
    """PHQ-9, GAD-7 and the licensed skeletons exist (idempotent)."""
    from ..instruments import BUILTIN_SPECS

    return [instrument_save(spec=spec) for spec in BUILTIN_SPECS]


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Scored:
    total: Decimal
    subscales: dict
    band: str
    level: str
    critical: bool


@dataclass
class InstrumentKey:
    """An instrument loaded once (2 queries) for scoring any number of answers."""

    instrument: Instrument
    items: list = field(default_factory=list)  # [(number, subscale, {score}, critical_min)]
    bands: list = field(default_factory=list)  # [(min, max, label, level)]

    @classmethod
    def load(cls, instrument: Instrument) -> InstrumentKey:
        key = cls(instrument=instrument)
        for item in InstrumentItem.objects.filter(instrument=instrument).order_by("number"):
            scores = {score for score, _ in options_parse(item.options)}
            critical = item.critical_min_score if item.is_critical else None
            key.items.append((item.number, item.subscale, scores, critical))
        key.bands = [
            (c.min_score, c.max_score, c.label, c.level)
            for c in CutOff.objects.filter(instrument=instrument).order_by("min_score")
        ]
        return key

    @property
    def total_range(self) -> tuple[Decimal, Decimal]:
        lows = [min(s) for _, _, s, _ in self.items]
        highs = [max(s) for _, _, s, _ in self.items]
        if self.instrument.scoring == Instrument.Scoring.MEAN:
            return (
                (Decimal(sum(lows)) / len(lows)).quantize(TWO_PLACES),
                (Decimal(sum(highs)) / len(highs)).quantize(TWO_PLACES),
            )
        return Decimal(sum(lows)), Decimal(sum(highs))

    def band_of(self, total: Decimal) -> tuple[str, str]:
        for low, high, label, level in self.bands:
            if low <= total <= high:
                return label, level
        # Between two mean bands (e.g. 1.995): the higher band, to err on the side of care.
        for low, _high, label, level in self.bands:
            if total < low:
                return label, level
        raise ScreeningError([f"得分 {total} 超出量表可能得分范围。"])

    def _aggregate(self, values):
        if self.instrument.scoring == Instrument.Scoring.MEAN:
            return (Decimal(sum(values)) / len(values)).quantize(TWO_PLACES, ROUND_HALF_UP)
        return Decimal(sum(values))

    def score_answers(self, answers: list) -> Scored:
        """Score a full answer list (one int per item, in item order)."""
        if len(answers) != len(self.items):
            raise ScreeningError([f"作答题数 {len(answers)} 与量表题数 {len(self.items)} 不一致。"])
        by_subscale: dict[str, list[int]] = {}
        critical = False
        for (number, subscale, scores, critical_min), answer in zip(
            self.items, answers, strict=True
        ):
            if answer not in scores:
                raise ScreeningError(
                    [f"第{number}题：答案“{answer}”不在选项分值 {sorted(scores)} 之中。"]
                )
            if critical_min is not None and answer >= critical_min:
                critical = True
            if subscale:
                by_subscale.setdefault(subscale, []).append(answer)
        total = self._aggregate(answers)
        band, level = self.band_of(total)
        subscales = {name: str(self._aggregate(vals)) for name, vals in by_subscale.items()}
        if critical:
            level = WarningLevel.CRISIS
        return Scored(total, subscales, band, level, critical)

    def score_total(self, total: Decimal) -> Scored:
        """Score a total reported by an outside system (no item answers, no critical item)."""
        low, high = self.total_range
        if not low <= total <= high:
            raise ScreeningError([f"总分 {total} 超出范围（{low}–{high}）。"])
        band, level = self.band_of(total)
        return Scored(total, {}, band, level, False)


def result_score(*, instrument: Instrument, answers: list[int]) -> Scored:
    return InstrumentKey.load(instrument).score_answers(answers)
