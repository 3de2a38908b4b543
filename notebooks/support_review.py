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
# support, days used against the agreed allowance, and the split between borough support and
# pan-London work.

# %% tags=["parameters"]
year = None  # financial year such as "2025-26"; None for every year in the log
allowance = None  # agreed days per borough a year; None for the default in audit_themes.yaml

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.qa import audit_ingest, support_log, support_review
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
# Support days per borough and financial year against the agreed allowance; days beyond it are
# chargeable.

# %%
days = support_log.support_days(log.table, allowance, year=year)
presenter.show(days, "Support days by borough")

# %% [markdown]
# ## Borough support and pan-London work
# How the advisers' time splits between work for one borough and work for London as a whole.

# %%
presenter.show(support_log.support_split(log.table), "Borough support and pan-London work")

# %% [markdown]
# ## Is support going where the evidence says it is needed?
# Support set against Ofsted's latest judgements below good, the latest score cards' exceptions
# and the weak sections of case-file audits, by borough and theme (the mapping is in
# `data/reference/support_review.yaml`).

# %%
judgements = support_review.london_judgements()
exceptions = support_review.scorecard_exceptions()
evidence = support_review.gather_evidence(judgements, audit_ingest.read_audit_records(), exceptions, rules)
support = support_review.borough_support(log.table)
targeted = support_review.targeting(support, evidence)
presenter.show(targeted, "Support against evidence of need")

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
report_index.record_for_index(support_review.index_headlines(days, targeted), period=year)
presenter.show(record, "Run record")
