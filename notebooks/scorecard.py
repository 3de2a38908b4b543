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
# # Quarterly score card
#
# One line per PI of the best-fit model for one borough: the latest figure against its target,
# how it moved since the previous period, what its own history says (SPC variation and
# assurance), where it stands against England, London and its statistical neighbours, its
# recent trend, the quality of the data and the borough's narrative. The exceptions the board
# should challenge come first, each with a question for the challenge meeting.

# %% tags=["parameters"]
borough = "Barnet"
period = None  # a quarter such as "2025Q4", or a reporting year (2025 for 2024-25); None = latest
subgroup = None  # one sub-group's PIs, e.g. "neglect"; None for all
model_version = None  # best-fit model version; None for the latest
tier = "board"  # "board" (small numbers suppressed) or "analyst" (NOT FOR PUBLICATION)

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.published import profile
from lscb_analysis.runs import report_index
from lscb_analysis.scorecard import build, charts, method, report, workbook

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The borough is matched to the register, the period checked against the data, the sub-group
# and model version against the catalogue.

# %%
area = profile.check_borough(borough)
card = build.build_scorecard(area, period, subgroup=subgroup, model_version=model_version,
                                 tier=tier)
Markdown(report.title_block(card))

# %% [markdown]
# ## Exceptions for the challenge meeting
# PIs showing special-cause concern, significantly worse than a benchmark and getting worse
# ("red-red"), or missing their target consistently. First each one against its own history,
# with its mean and process limits (Making Data Count: orange points are special-cause
# concern, blue improvement; "c" marks a suppressed figure); then what the data show and a
# question to ask.

# %% tags=["print-small"]
charts.exception_charts(card)

# %%
report.exceptions_display(card)

# %% [markdown]
# ## The score card
# Grouped by goal and cluster. Colours: target met (green), near (amber), missed (red); SPC
# and benchmarks blue for better, orange for worse. Missing or suppressed figures are never
# coloured.

# %%
report.legend_display(card)

# %%
report.scorecard_display(card)

# %% [markdown] tags=["print-only"]
# *On paper:* the London tartan rug, the workbook's name and the run record are in the HTML
# report (`report.html`) beside this PDF.

# %% [markdown] tags=["screen-only"]
# ## London at a glance: the tartan rug
# Every London borough (rows) against each PI (columns), coloured by significance against
# England; the borough is outlined. Local PIs have no national benchmark.

# %% tags=["screen-only"]
charts.rug_chart(card)

# %% [markdown] tags=["screen-only"]
# ## The workbook
# The same table in Excel, with filters, conditional formatting, a legend and notes, beside
# this report.

# %% tags=["screen-only"]
folder = provenance.run_output_dir("scorecard", area.slug) / card.period.slug
book = workbook.write_workbook(card, folder / "scorecard.xlsx")
Markdown(f"Workbook: `{card.period.slug}/{book.name}` ({len(card.rows)} PIs).")

# %% [markdown]
# ## Method

# %% tags=["print-compact"]
Markdown(method.method_note(card.rules, card.tier))

# %% [markdown]
# ## Sources

# %% tags=["print-compact"]
Markdown(report.sources_footer(card))

# %% [markdown] tags=["screen-only"]
# ## Run record

# %% tags=["screen-only"]
record = provenance.run_record(
    {"borough": borough, "period": card.period.label, "subgroup": card.subgroup,
     "model_version": card.model_version, "tier": card.tier},
    ["data/processed/public_indicators.parquet", "data/processed/pilot_values.parquet"])
report_index.record_for_index(report.index_headlines(card), period=card.period.label,
                              as_at=card.as_at, model_version=card.model_version)
presenter.show(record, "Run record")
