"""Input handling shared by the stats modules: array conversion, broadcasting and checks.

Every public stats function turns its arguments into equal-length float arrays with
:func:`broadcast` and validates them with the ``check_*`` functions here, so that the same
wrong input gets the same :class:`~lscb_analysis.core.errors.InvalidArgumentError` message
whichever function it was given to.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError


def to_float_array(values: object, name: str) -> np.ndarray:
    """Convert a scalar or 1-D array-like to a float array, missing values as NaN.

    Inputs: ``values`` (a number, list, numpy array or pandas Series/Index) and ``name``, the
    argument's name used in error messages. Output: a numpy float array.
    Raises: InvalidArgumentError for text that is not numeric, more than one dimension or an
    infinite value.
    """
    try:
        if isinstance(values, (pd.Series, pd.Index)):
            array = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            try:
                array = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                # Lists holding pd.NA or numeric strings: let pandas parse them.
                series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
                array = pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{name} must be a number or a list of numbers; got {values!r}. "
            "Convert text columns with pd.to_numeric first."
        ) from exc
    if array.ndim > 1:
        raise InvalidArgumentError(
            f"{name} must be a single number or a one-dimensional list of numbers; "
            f"got an array of shape {array.shape}. Pass one column at a time."
        )
    if np.isinf(array).any():
        raise InvalidArgumentError(
            f"{name} contains an infinite value; replace it with a real number or NaN."
        )
    return array


def broadcast(**arguments: object) -> tuple[dict[str, np.ndarray], pd.Index]:
    """Convert named arguments to equal-length float arrays and choose the result index.

    Inputs: keyword arguments, each a number or 1-D array-like. Outputs: a dict of float
    arrays by argument name, all the same length, and the index of the result (that of the
    first pandas Series of that length, else a RangeIndex).
    Raises: InvalidArgumentError when the lengths cannot be matched or a value is invalid
    (see :func:`to_float_array`).
    """
    arrays = {name: np.atleast_1d(to_float_array(value, name)) for name, value in arguments.items()}
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        lengths = ", ".join(f"{name} has {len(array)}" for name, array in arrays.items())
        raise InvalidArgumentError(
            f"the inputs must have the same length (or be single numbers): {lengths}."
        ) from exc
    result = {
        name: np.array(array, dtype=float) for name, array in zip(arrays, shaped, strict=True)
    }
    length = len(shaped[0])
    index: pd.Index = pd.RangeIndex(length)
    for value in arguments.values():
        if isinstance(value, pd.Series) and len(value) == length:
            index = value.index
            break
    return result, index


def check_confidence(confidence: object, name: str = "confidence") -> float:
    """Return ``confidence`` as a float strictly between 0.9 and 1.

    Raises: InvalidArgumentError naming ``name`` for anything else (with a hint when it looks
    like a percentage).
    """
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise InvalidArgumentError(
            f"{name} must be a number strictly between 0.9 and 1, such as 0.95 or 0.998; "
            f"got {confidence!r}."
        )
    level = float(confidence)
    if not 0.9 < level < 1:
        hint = " Give it as a fraction, not a percentage." if 1 < level <= 100 else ""
        raise InvalidArgumentError(
            f"{name} must be strictly between 0.9 and 1 (for example 0.95 or 0.998); "
            f"got {confidence!r}.{hint}"
        )
    return level


def check_multiplier(multiplier: object, name: str = "multiplier") -> float:
    """Return ``multiplier`` as a positive finite float (1, 100, 10000...).

    Raises: InvalidArgumentError naming ``name`` for anything else.
    """
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real):
        raise InvalidArgumentError(
            f"{name} must be a positive number such as 1, 100 or 10000; got {multiplier!r}."
        )
    value = float(multiplier)
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgumentError(
            f"{name} must be a positive number such as 1, 100 or 10000; got {multiplier!r}."
        )
    return value


def first_position(mask: np.ndarray) -> int:
    """Position of the first True in a boolean array (the caller knows there is one)."""
    return int(np.flatnonzero(mask)[0])


def check_not_negative(array: np.ndarray, name: str) -> None:
    """Raise InvalidArgumentError naming ``name`` and the first position below zero.

    Missing values (NaN) pass.
    """
    bad = array < 0  # NaN compares False, so missing values pass
    if bad.any():
        position = first_position(bad)
        raise InvalidArgumentError(
            f"{name} must not be negative: position {position} is {array[position]:g}. "
            "Counts cannot be below zero; check the source data."
        )


def check_positive(array: np.ndarray, name: str) -> None:
    """Raise InvalidArgumentError naming ``name`` and the first position at or below zero.

    Missing values (NaN) pass.
    """
    bad = array <= 0
    if bad.any():
        position = first_position(bad)
        raise InvalidArgumentError(
            f"{name} must be greater than zero: position {position} is {array[position]:g}. "
            "Leave the row out or set it to NaN if the denominator is unknown."
        )


def check_numerator_within_denominator(
    numerator: np.ndarray, denominator: np.ndarray, numerator_name: str, denominator_name: str
) -> None:
    """Raise InvalidArgumentError at the first position where the numerator exceeds the denominator.

    Inputs: the two float arrays and their argument names for the message.
    """
    bad = numerator > denominator
    if bad.any():
        position = first_position(bad)
        raise InvalidArgumentError(
            f"{numerator_name} must not exceed {denominator_name} for a proportion: position "
            f"{position} has {numerator[position]:g} of {denominator[position]:g}. "
            "Check that the columns are not swapped, or use a rate instead."
        )


def check_choice(value: object, name: str, choices: Sequence[object]) -> None:
    """Raise InvalidArgumentError naming ``name`` when ``value`` is not one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise InvalidArgumentError(f"{name} must be one of {allowed}; got {value!r}.")
