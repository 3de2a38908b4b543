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
# # Phase I mapping: what London's safeguarding boards collect
#
# What the boards' returns to the data-collection survey say: who responded, which indicator
# domains boards cover, who supplies their data and how often, what they would like but cannot
# get, and the items no candidate indicator covers. Run for one borough, it sets that board's
# return against the London picture.

# %% tags=["parameters"]
survey_folder = "data/raw/survey"
as_at = None  # count returns received up to this date, e.g. "2026-03-31"; None for all
borough = None  # a borough for the one-board view; None for London

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import grid_charts, presenter
from lscb_analysis.runs import report_index
from lscb_analysis.survey import survey_mapping, survey_outputs, survey_template

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The folder must exist, the date must be a date and the borough must be in the register.

# %%
folder, as_at_date, area = survey_mapping.check_parameters(survey_folder, as_at, borough)
highlight = area.name if area else None
candidates = survey_template.candidate_indicators()
Markdown(f"## Survey returns as at {as_at_date or 'the latest return'}"
         + (f": {area.name}" if area else ": London"))

# %% [markdown]
# ## Returns and responses
# Every file in the folder was read by `lscb survey ingest`: ingested, ingested with warnings,
# or rejected with the reason. The register combines what arrived with the consultant's
# contacts list.

# %%
ingest = survey_outputs.read_ingested_survey(folder)
responses = survey_mapping.response_register(ingest.returns, ingest.contacts, as_at_date)
Markdown(f"**{survey_mapping.response_summary(responses)}**")

# %%
presenter.show(survey_mapping.status_table(responses), "Survey returns by board")

# %%
presenter.show(survey_mapping.file_outcomes(ingest.returns, ingest.issues), "Survey files and what happened to them")

# %% [markdown]
# ## Coverage of indicator domains
# Items each board collects, by the domain of the candidate indicator they match (the code the
# board chose, else the candidate's keywords in the item's wording).

# %%
matched = survey_mapping.match_candidates(ingest.items, candidates)
coverage = survey_mapping.coverage_by_domain(matched, candidates)
grid_charts.count_heatmap(coverage, "Items collected by each board, by indicator domain", highlight)

# %%
presenter.show(survey_mapping.candidate_counts(matched, candidates), "Candidate indicators: boards collecting and wanting")

# %% [markdown]
# ## Who supplies the data
# Share of each board's collected items by source agency. The local authority share counts
# the agencies listed as local authority services in `data/reference/survey.yaml`.

# %%
agencies = survey_mapping.agency_shares(matched)
title = survey_mapping.agency_finding(agencies)
grid_charts.share_bars(survey_mapping.shares_only(agencies), title, highlight)

# %% [markdown]
# ## How often
# Share of collected items by reporting frequency.

# %%
frequencies = survey_mapping.frequency_shares(matched)
title = survey_mapping.frequency_finding(frequencies)
grid_charts.share_bars(survey_mapping.shares_only(frequencies), title, highlight)

# %% [markdown]
# ## What boards would like but cannot get
# Items on the boards' "would like" lists, by the barrier they name and the agency that holds
# the data.

# %%
wanted = survey_mapping.wanted_by_barrier(matched)
grid_charts.count_heatmap(wanted, "What stops boards getting the data they want")

# %% [markdown]
# ## Wanted, not collected
# Every wish-list item no candidate indicator covers, grouped by similar wording, with the
# boards that asked for it and the barriers they named: candidates for the next version.

# %%
presenter.show(survey_mapping.uncovered_groups(matched, "would_like"),
               "Wanted, not collected: items no candidate indicator covers",
               empty="Every item on the boards' wish lists is a candidate indicator.")

# %% [markdown]
# ## Items no candidate indicator covers
# Grouped by similar wording: candidates for new headings in the dataset.

# %%
presenter.show(survey_mapping.uncovered_groups(matched), "Items no candidate indicator covers")

# %% [markdown]
# ## One board against London
# With a borough chosen: the domains its return covers beside the share of boards covering each.

# %%
survey_mapping.borough_view_display(matched, candidates, area)

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"survey_folder": survey_folder, "as_at": as_at,
                                "borough": borough})
report_index.record_for_index({"Responses": survey_mapping.response_summary(responses)
                               .split(";")[0], "Data items": len(matched)}, as_at=as_at_date)
presenter.show(record, "Run record")
