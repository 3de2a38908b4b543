# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (LSCB workbench)
#     language: python
#     name: lscb
# ---

# %% [markdown]
# # Phase III pilot: can boroughs provide the best-fit model's PIs?
#
# What the pilot boroughs' returned data tables and feasibility sheets say: which PIs each
# borough provided, at what reporting cycle, where the figures raised errors or queries, and
# which PIs are feasible London-wide now, feasible with work, or best postponed to a later
# phase. Run for one borough, it sets that borough's return against the London picture.

# %% tags=["parameters"]
borough = None  # a borough for the one-borough view; None for London
model_version = None  # the best-fit model version to report against; None for the latest
pilot_folder = "data/raw/pilot"
tier = "board"  # "board" (small numbers suppressed) or "analyst" (NOT FOR PUBLICATION)

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.pilot import pilot_classify, pilot_feasibility, pilot_ingest, pilot_outputs, pilot_provision
from lscb_analysis.present import grid_charts, presenter
from lscb_analysis.protect import disclosure_config
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The folder must hold returns, the borough must be a London borough and the model version
# must exist.

# %%
folder, area, catalogue = pilot_provision.check_parameters(pilot_folder, borough,
                                                             model_version)
highlight = area.name if area else None
Markdown(f"## Pilot returns against best-fit model v{catalogue.version}"
         + (f": {area.name}" if area else ": London") + f"\n\n*{disclosure_config.tier_label(tier)}*")

# %% [markdown]
# ## Returns received
# Every file in the folder was read and checked by `lscb pilot ingest` (which also writes the
# findings back into a copy of each workbook). A later return from the same borough or agency
# replaces the earlier one's figures.

# %%
ingest = pilot_outputs.read_ingested_pilot(folder)
Markdown(f"**{pilot_ingest.summary_line(ingest)}**")

# %%
returns = pilot_feasibility.returns_overview(ingest.returns)
presenter.show(pilot_feasibility.for_display(returns), "Pilot returns")

# %% [markdown]
# ## Which PIs each borough provided
# Provided: a usable figure for most of the periods the borough was asked to fill; partly:
# for some; not available: for none; published: DfE publishes every row, nothing to fill;
# not asked: the model version of the borough's template did not hold the PI.

# %%
provision = pilot_provision.provision(ingest.values, catalogue)
grid = pilot_provision.provision_matrix(provision)
title = pilot_provision.provision_finding(provision)
grid_charts.category_grid(grid, title, pilot_provision.PROVISION_COLOURS, highlight)

# %% [markdown]
# ## Reporting cycle offered against the cycle the PI needs
# From the feasibility sheets: the cycle each borough can provide, against the catalogue's
# frequency for the PI. Without an answer, a borough that provided the PI meets its cycle.

# %%
cycles = pilot_provision.cycles(ingest.feasibility, provision)
cycle_summary = pilot_provision.cycle_summary(cycles)
Markdown(f"**{pilot_provision.cycle_finding(cycle_summary)}.**")

# %%
presenter.show(pilot_feasibility.for_display(cycle_summary), "Reporting cycle by PI")

# %% [markdown]
# ## Errors, queries and continuity
# Findings of the checks on the figures in use, per borough and per PI (rows a later return
# replaced are not counted). Each is listed, with its cell, in `data/processed/
# pilot_issues.csv` and in the borough's checked workbook.

# %%
by_borough = pilot_provision.finding_counts(ingest.issues, "borough")
counts = by_borough.set_index("borough")[["error", "query", "continuity"]]
title = pilot_provision.counts_finding(by_borough)
grid_charts.count_heatmap(counts, title, highlight, "findings")

# %%
by_pi = pilot_provision.finding_counts(ingest.issues, "pi_id")
presenter.show(pilot_feasibility.for_display(by_pi), "Findings by PI")

# %% [markdown]
# ## Feasible London-wide now, with work, or to postpone
# The rule, with the thresholds in `data/reference/pilot_rules.yaml`:

# %%
Markdown(pilot_classify.rule_text())

# %%
classified = pilot_classify.classify(provision, cycles, ingest.values, catalogue)
shares = pilot_classify.category_shares(classified)
title = pilot_classify.classification_finding(classified)
grid_charts.category_bars(shares, title, pilot_provision.PROVISION_COLOURS)

# %%
presenter.show(pilot_feasibility.for_display(classified), "Feasibility of each PI")

# %% [markdown]
# ## Data quality concerns
# What boroughs wrote about the quality of the data behind each PI.

# %%
concerns = pilot_feasibility.quality_concerns(ingest.feasibility, area)
presenter.show(pilot_feasibility.for_display(concerns), "Data quality concerns")

# %% [markdown]
# ## Narratives and comments, per PI
# Each distinct text once, with the boroughs that wrote it and the periods it explains.

# %%
texts = pilot_feasibility.narratives(ingest.values, ingest.feasibility, area)
presenter.show(pilot_feasibility.for_display(texts), "What boroughs wrote")

# %% [markdown]
# ## One borough against London
# With a borough chosen: its provision and feasibility answers beside the share of boroughs
# providing each PI and the PI's category.

# %%
Markdown(pilot_feasibility.borough_summary(provision, ingest.issues, area))

# %%
view = pilot_feasibility.borough_view(provision, classified, ingest.feasibility, area)
presenter.show(pilot_feasibility.for_display(view), "Provision by PI for the borough")

# %% [markdown]
# ## The figures the borough returned
# With a borough chosen: its latest returned figure for each PI. In the board tier counts from
# 1 to 5, and values worked out from them, show as "c" (rules in `data/reference/disclosure.yaml`).

# %%
presenter.show(pilot_feasibility.returned_figures(ingest.values, area, tier),
               "Figures returned by the borough", indicator="pi_id",
               kinds={"numerator": "count", "denominator": "count", "value": "indicator_value"})

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough, "model_version": model_version,
                                "pilot_folder": pilot_folder, "tier": tier},
                               ["data/reference/pilot_rules.yaml"])
report_index.record_for_index(pilot_feasibility.index_headlines(classified, provision),
                              model_version=catalogue.version)
presenter.show(record, "Run record")
