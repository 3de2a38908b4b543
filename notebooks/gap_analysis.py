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
# # Gap analysis: London's boards against the best-fit model
#
# For every borough and every PI of the best-fit model: is it published nationally, collected
# locally as the PI needs, collected only partly, wanted but not got, or not collected at all?
# The coverage scores weight critical PIs most. Run for one borough, it lists that board's gaps
# with who holds the data and what to do next.

# %% tags=["parameters"]
borough = None  # a borough for its gap list; None for London
model_version = None  # best-fit model version; None for the latest
boards = None  # London report: boards whose gaps.xlsx to write beside it ("all" or names)

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.model import catalogue, catalogue_coverage, gap_analysis, wish_candidates
from lscb_analysis.present import grid_charts, presenter
from lscb_analysis.published import profile
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The model version must exist and the gap matrix must have been built for it
# (`lscb model gaps`); the borough, if given, must be in the register.

# %%
model = catalogue.load_catalogue(model_version)
matrix = gap_analysis.load_gap_matrix(model.version)
area = profile.check_borough(borough) if borough else None
highlight = area.name if area else None
rules = gap_analysis.load_rules()
Markdown(f"## Best-fit model version {model.version}: {len(model.current)} current PIs")

# %% [markdown]
# ## Every board against every PI
# Each row is a borough, each column a PI in the model's order; the colour is its status.

# %%
scores = gap_analysis.coverage_scores(matrix, rules)
grid = gap_analysis.status_grid(matrix)
title = gap_analysis.coverage_finding(scores)
grid_charts.status_heatmap(grid, rules["status_colours"], title, highlight)

# %% [markdown]
# ## Coverage by borough and by goal
# Share of PIs national or collected, weighted by rating, and how many critical PIs are there.

# %%
gap_analysis.coverage_display(scores)

# %%
gap_analysis.coverage_display(gap_analysis.coverage_scores(matrix, rules, by="goal"))

# %% [markdown]
# ## Which PIs are cheapest to adopt, and which do boards want most
# PIs ranked by how many boroughs already have them (national or collected), and by how many
# boards want them but cannot get them.

# %%
presenter.show(gap_analysis.pi_rankings(matrix), "PIs ranked by availability and demand")

# %%
presenter.show(gap_analysis.wanted_barriers(matrix), "Barriers to PIs boards want")

# %% [markdown]
# ## Whose data the model relies on
# The share of the model's current PIs by sector: the "bias towards local authority data"
# the consultation seminar pointed out.

# %%
presenter.show(catalogue_coverage.partner_share(model, by="sector"), "Current PIs by sector")

# %% [markdown]
# ## Wanted by boards, not in the model
# Items on the boards' wish lists that no PI of the model covers, with the boards that asked
# for them and the barriers they named: candidates for the next version of the model.

# %%
presenter.show(wish_candidates.load_candidates(), "Candidates for the next version",
               empty="Every wish-list item is covered by a PI of the model.")

# %% [markdown]
# ## One board's gaps and next steps
# With a borough chosen: each PI it does not yet have, who holds the data and how often the PI
# needs it. The same list is in `gaps.xlsx` beside this report, for the board's performance lead.

# %%
gap_analysis.borough_section(matrix, model, area, rules)

# %% [markdown]
# ## Each board's gap workbook
# In a report pack the London report also writes each board's `gaps.xlsx` (its gaps and next
# steps) beside it, under `boards/`, for the boards' performance leads.

# %%
presenter.show(gap_analysis.board_workbooks(matrix, model, rules, boards),
               "Each board's gap workbook",
               empty="No board workbooks asked for (boards=None): run with -p boards=all.")

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough, "model_version": model.version,
                                "boards": boards},
                               ["data/processed/gap_matrix.parquet"])
report_index.record_for_index(gap_analysis.index_headlines(scores, model),
                              model_version=model.version)
presenter.show(record, "Run record")
