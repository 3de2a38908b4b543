# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (LSCB workbench)
#     language: python
#     name: lscb
# ---

# %% [markdown]
# # Borough safeguarding profile
#
# Where a borough stands on the published safeguarding indicators: its latest figures beside
# London, England and its ten statistical neighbours, its rank among the 33 London boroughs,
# how each figure has moved since the year before, and the trend since 2016. All figures are
# DfE and ONS official statistics, computed as DfE computes them.

# %% tags=["parameters"]
borough = "Barnet"
period = None  # reporting year, e.g. 2025 for 2024-25; None for the latest year with data

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter, trend_charts
from lscb_analysis.published import profile, public_data
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The borough is matched to the local authority register; the period must be a year with data.

# %%
area = profile.check_borough(borough)
table = public_data.load_public_indicators()
period = profile.check_period(table, area, period)
Markdown(f"## {area.name}: safeguarding profile, {public_data.period_label(period)}")

# %% [markdown]
# ## Headline figures
# Each indicator for the year, beside London, England and the plain mean of the statistical
# neighbours with data. Rank 1 is the best in London where higher or lower is better, otherwise
# the highest. Suppressed or missing figures show the published reason instead of a number.

# %%
headline = profile.headline_table(table, area, period)
profile.headline_display(headline, area.name)

# %% [markdown]
# ## Since last year
# How each figure moved between the last two published years.

# %%
movement = profile.movement_sentences(table, area, period)
Markdown("\n".join(f"- {sentence}" for sentence in movement["sentence"]))

# %% [markdown]
# ## Trends
# The borough (blue) against London, England and its statistical neighbours. A gap in a line
# is a year with no published figure, never a zero.

# %%
trends = profile.trend_frame(table, area, last_period=period)
finding = profile.movement_summary(movement, area.name, period)
trend_charts.trend_small_multiples(trends, area.name, finding)

# %% [markdown]
# ## Sources

# %%
Markdown(provenance.source_footer(period))

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough, "period": period},
                               ["data/processed/public_indicators.parquet"])
report_index.record_for_index(headline, "borough", ["cin_rate", "cpp_rate", "cla_rate"],
                              period=period, as_at=f"31 March {period}")
presenter.show(record, "Run record")
