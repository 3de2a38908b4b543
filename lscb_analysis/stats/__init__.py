"""The statistics: intervals, benchmarking and peers, funnels, SPC charts and trends.

Modules: :mod:`~lscb_analysis.stats.intervals` (proportion and rate intervals),
:mod:`~lscb_analysis.stats.clustered` (shares of answers nested in cases: design effect and
interval with the case as the cluster), :mod:`~lscb_analysis.stats.two_shares` (the
difference of two shares: interval, verdict and p-value from one method),
:mod:`~lscb_analysis.stats.benchmarking` (benchmark flags, quartile bands, neighbour means),
:mod:`~lscb_analysis.stats.funnels` (funnel plots; their limits and over-dispersion in
:mod:`~lscb_analysis.stats.funnel_limits`), :mod:`~lscb_analysis.stats.xmr` (XmR charts
and their summary icons), :mod:`~lscb_analysis.stats.attribute_charts` (p- and u-charts),
:mod:`~lscb_analysis.stats.trends` (Fingertips' recent trend markers, yearly points only),
:mod:`~lscb_analysis.stats.quarterly_trend` (Mann-Kendall and seasonal Mann-Kendall tests for short
quarterly series) and
:mod:`~lscb_analysis.stats.inputs` (the input conversion and checks they share).

Every public function in these modules is pure: it takes numbers (scalars, lists, numpy
arrays or pandas Series) and returns a new pandas DataFrame with one row per input (or per point) and the
columns listed in its docstring. Nothing is cached and nothing is configured globally.

Conventions shared by all functions
-----------------------------------
- Array-like inputs are matched by position, not by pandas index. Scalars are broadcast.
  The result takes the index of the first pandas Series argument whose length matches,
  otherwise a plain ``RangeIndex``.
- Missing values (``None``, ``NaN``, ``pd.NA``) give missing results, never errors.
- Invalid input (negative counts, a numerator above its denominator for a proportion,
  zero or negative denominators, a confidence level outside (0.9, 1), unknown options)
  raises :class:`lscb_analysis.core.errors.InvalidArgumentError`, a ``ValueError`` whose
  message names the argument and says what to do. The exception is
  :func:`~lscb_analysis.stats.funnels.funnel`: an area with a zero denominator keeps its row,
  is not placed, and says why in ``not_placed``.
- ``confidence`` is a fraction strictly between 0.9 and 1 (0.95, 0.998). Percentages such
  as 95 are rejected rather than guessed at.
- Metadata (confidence level, method, options, warnings) is kept in ``DataFrame.attrs``.
"""
