"""Rules for notebook parameters, checked by ``lscb run`` and ``lscb pack`` before any run.

Each notebook's entry in ``data/reference/notebooks.yaml`` names a rule for each of its
parameters under ``parameters:`` (``period: reporting_year``). :func:`check_parameters`
applies them to the values given with ``-p`` so that a bad value (``-p period=../../x``) is
refused with a message naming the parameter and the values allowed, before anything runs and
before any report is touched. The notebook still checks its parameters itself (it may be run
by hand); these rules catch what would otherwise fail half-way through a run.

A value of None (``-p period=``) always means "the notebook's default" and passes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from lscb_analysis.core import indicators, io, name_text, paths, register
from lscb_analysis.core.errors import InvalidNameError, ParameterError, UnknownAreaError

AUDIT_THEMES_FILE = "audit_themes.yaml"
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(value: object) -> str | None:
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text) and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return None
    return "a reporting year such as 2025 (for 2024-25)"


def _year_or_quarter(value: object) -> str | None:
    if _year(value) is None or re.fullmatch(r"\d{4}Q[1-4]", str(value).strip().upper()):
        return None
    return "a quarter such as 2025Q4, or a reporting year such as 2025 (for 2024-25)"


def _financial_year(value: object) -> str | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(value).strip())
    if match and (int(match[1]) + 1) % 100 == int(match[2]):
        return None
    return "a financial year such as 2025-26"


def _date(value: object) -> str | None:
    if isinstance(value, dt.date):
        return None
    try:
        dt.date.fromisoformat(str(value).strip())
    except ValueError:
        # 01/02/2026 could be 1 February or 2 January: only the ISO form is unambiguous.
        return "a date written year-month-day, such as 2026-03-31"
    return None


def read_date(value: object, option: str) -> dt.date:
    """Read a date given to ``option`` (``--as-at``): only year-month-day is taken.

    >>> read_date("2026-02-01", "--as-at")
    datetime.date(2026, 2, 1)

    Raises:
        ParameterError: any other form; a day/month form shows each date it could be
            ("01/02/2026 could be 1 February 2026 or 2 January 2026"), so nobody's return is
            counted against the wrong date.
    """
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    readings = []
    parts = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if parts:
        first, second, year = (int(part) for part in parts.groups())
        for day, month in ((first, second), (second, first)):
            try:
                readings.append(dt.date(year, month, day))
            except ValueError:
                continue
    readings = list(dict.fromkeys(readings))
    if len(readings) > 1:
        raise ParameterError(
            f"{option} {text!r} could be "
            + " or ".join(f"{d.day} {d:%B %Y}" for d in readings)
            + ": write it as year-month-day, "
            + " or ".join(d.isoformat() for d in readings)
            + "."
        )
    hint = f" ({readings[0].isoformat()})" if readings else ", such as 2026-03-31"
    raise ParameterError(f"{option} {text!r}: write the date as year-month-day{hint}.")


def _model_version(value: object) -> str | None:
    if re.fullmatch(r"v?\d+(\.\d+){0,2}", str(value).strip()):
        return None
    return "a model version such as 1.0 or v1.1"


def _audit_id(value: object) -> str | None:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", str(value).strip()):
        return None
    return "an audit's folder name (letters, digits, '-', '_' and '.')"


def _name(value: object) -> str | None:
    text = str(value)
    try:
        name_text.check_name(text)
    except InvalidNameError:
        return "a name without hidden characters"
    if len(text) > 80 or any(mark in text for mark in ("/", "\\", "..")):
        return "a short name (no '/', '\\' or '..', at most 80 characters)"
    return None


def _boroughs(value: object) -> str | None:
    text = str(value).strip()
    if text.lower() in ("all", "london", "england"):
        return None
    try:
        register.resolve_many(text)
    except (UnknownAreaError, InvalidNameError) as error:
        return f"'all', 'london' or boroughs separated by commas ({error})"
    return None


def _positive_number(value: object) -> str | None:
    if isinstance(value, bool):
        return "a positive number such as 10"
    try:
        number = float(str(value).strip())
    except ValueError:
        return "a positive number such as 10"
    return None if number > 0 and number == number else "a positive number such as 10"


def _project_folder(value: object) -> str | None:
    project = paths.project_dir().resolve()
    folder = (project / str(value)).resolve()
    if not folder.is_relative_to(project / "data" / "raw"):
        return "a folder inside the project's data/raw/, such as data/raw/pilot"
    return None


def _indicator(value: object) -> str | None:
    known = list(indicators.load_metadata().index)
    if str(value).strip() in known:
        return None
    return f"a published indicator id: {', '.join(known)}"


def _audit_theme(value: object) -> str | None:
    themes = (io.read_reference_yaml(AUDIT_THEMES_FILE) or {}).get("themes") or {}
    wanted = str(value).strip().lower()
    titles = {str((entry or {}).get("title", "")).lower() for entry in themes.values()}
    if wanted in {key.lower() for key in themes} or wanted in titles:
        return None
    return f"an audit theme: {', '.join(themes)}"


RULES: dict[str, Callable[[object], str | None]] = {
    "reporting_year": _year,
    "year_or_quarter": _year_or_quarter,
    "financial_year": _financial_year,
    "date": _date,
    "model_version": _model_version,
    "audit_id": _audit_id,
    "boroughs": _boroughs,
    "name": _name,
    "positive_number": _positive_number,
    "project_folder": _project_folder,
    "indicator": _indicator,
    "audit_theme": _audit_theme,
}


def check_parameters(
    notebook: str, values: Mapping, rules: Mapping, given_as: Mapping[str, str] | None = None
) -> None:
    """Check ``-p`` values against a notebook's parameter rules, before anything runs.

    Args:
        notebook: the notebook's name, for messages.
        values: parameter name -> value as given (None: the notebook's default).
        given_as: parameter name -> the option it was given with, for messages (``pack
            --period``: ``{"period": "--period"}``); others are named as ``-p name=``.
        rules: parameter name -> rule name (the notebook's ``parameters`` in
            notebooks.yaml); a parameter without a rule is not checked here.

    Raises:
        ParameterError: a value breaks its rule (the message names the parameter, the value
            and what is allowed), or notebooks.yaml names a rule that does not exist.
    """
    for parameter, value in values.items():
        rule = rules.get(parameter)
        if rule is None or value is None:
            continue
        if rule not in RULES:
            raise ParameterError(
                f"data/reference/notebooks.yaml: {notebook}'s parameter {parameter!r} has "
                f"the rule {rule!r}, which does not exist. Use one of: {', '.join(RULES)}."
            )
        allowed = RULES[rule](value)
        if allowed is not None:
            option = (given_as or {}).get(parameter)
            shown = name_text.display_text(value)
            typed = f"{option} {shown!r}" if option else f"-p {parameter}={shown!r}"
            raise ParameterError(
                f"{typed} for {notebook}: expected {allowed}. Nothing was run; leave "
                f"{option or 'the parameter'} out for the notebook's default."
            )
