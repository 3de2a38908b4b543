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
# # Support targeting review
#
# Regional safeguarding advisers and improvement partners give boroughs support days and must
# show that support is targeting the right areas. This review sets the support log against the
# evidence of need per borough and theme (Ofsted judgements below good, score card exceptions,
# weak case-file audit sections): support with no evidence of need, evidence of need with no
# support (ranked by the strength of the evidence and how long it has waited), days used
# against the agreed allowance with the excess to charge, and the advisers' time by kind of
# work against their plan (the 2011 advisers' report: about 60% borough support, 20% London
# Board work, 20% pan-London projects).

# %% tags=["parameters"]
year = None  # financial year such as "2025-26"; None for every year in the log
allowance = None  # agreed days per borough a year; None for the default in audit_themes.yaml

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.published import public_data
from lscb_analysis.qa import audit_ingest, support_gaps, support_log, support_plan, support_review
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check and the support log
# Every row of the log is checked; rows with problems are listed, not dropped.

# %%
log = support_log.read_support_log()
rules = support_review.load_rules()
Markdown(f"**{len(log.table)} rows in the support log; {int((~log.table['valid'].astype(bool)).sum())} with problems listed below.**")

# %%
presenter.show(log.issues, "Problems in the support log")

# %% [markdown]
# ## Days used against the allowance
# Support days per borough and financial year against the agreed allowance (10 days an area
# by default); the days beyond it are the excess to be charged, with the charge when a day rate
# is set in `data/reference/support_review.yaml`.

# %%
days = support_plan.with_charges(support_log.support_days(log.table, allowance, year=year))
presenter.show(days, "Support days by borough")

# %% [markdown]
# ## The advisers' time against their plan
# Days by kind of work for all advisers over the whole period, against the planned shares
# (`plan` in `data/reference/support_review.yaml`), with the gap in percentage points and days.
# Rows whose kind of work is missing or unknown are listed in the problems above and counted
# as "kind not recorded".

# %%
time = support_plan.time_by_kind(log.table, year=year)
presenter.show(support_plan.plan_summary(time), "Advisers' time against the plan")

# %% [markdown]
# The same per adviser and per financial quarter (a piece of work counts in the quarter it
# started), each adviser's quarters then their whole period, then all advisers together.

# %%
presenter.show(time, "Time by kind of work, per adviser and quarter")

# %% [markdown]
# ## Borough support and pan-London work
# How the advisers' time splits between work for one borough and work for London as a whole.

# %%
presenter.show(support_log.support_split(log.table), "Borough support and pan-London work")

# %% [markdown]
# ## Is support going where the evidence says it is needed?
# Support set against Ofsted's latest judgements below good, the latest score cards' exceptions,
# the weak sections of case-file audits and the boroughs outside London's funnel limits on the
# worse side, by borough and theme (the mapping is in `data/reference/support_review.yaml`).

# %%
judgements = support_review.london_judgements()
exceptions = support_review.scorecard_exceptions()
evidence = support_review.gather_evidence(judgements, audit_ingest.read_audit_records(), exceptions, rules,
                                          public_data.load_public_indicators())
support = support_review.borough_support(log.table)
targeted = support_review.targeting(support, evidence)
presenter.show(targeted, "Support against evidence of need")

# %% [markdown]
# ## Where evidence shows need and no support was given, ranked
# Each place is ranked by the strength of its evidence (the signals' weights: Ofsted
# inadequate 3, requires improvement 2, a score card exception or a weak audit section 1),
# then the number of signals, then the oldest signal first (`ranking` in
# `data/reference/support_review.yaml`), with the time from its first signal to today.

# %%
ranked = support_gaps.rank_unmet_need(targeted, evidence)
Markdown(support_gaps.unmet_headline(ranked))

# %%
presenter.show(ranked, "Evidence of need with no support, ranked")

# %% [markdown]
# Audit sections with a suppressed grade count are not judged here (their share could give the
# small number back); the count of them, when there are any:

# %%
Markdown(support_review.withheld_note(evidence))

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"year": year, "allowance": allowance},
                               ["data/raw/support/support_log.csv"])
report_index.record_for_index(support_review.index_headlines(days, targeted, support_plan.plan_summary(time)), period=year)
presenter.show(record, "Run record")
