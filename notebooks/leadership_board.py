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
# # Leadership Board: the Core Data Set for the quarter
#
# The Leadership Board reviews the Core Data Set quarterly and uses it to challenge partner
# agencies on performance, in particular on meeting agreed targets. This pack arranges the
# board's indicators by the question they answer and the stage of the child's journey, lists
# where partner agencies miss their targets, and gives the year's view of each indicator for
# the annual review of the Core Data Set.

# %% tags=["parameters"]
borough = "Barnet"  # the board (its borough)
model_version = None  # best-fit model version; None for the latest

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.boards import leadership, operational
from lscb_analysis.core import provenance
from lscb_analysis.model import catalogue
from lscb_analysis.present import presenter
from lscb_analysis.published import profile
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The board must be a borough in the register, the model version must exist and the score
# cards must have been built.

# %%
area = profile.check_borough(borough)
model = catalogue.load_catalogue(model_version)
table = operational.latest_cards()
rows = operational.board_rows(table, area.name)
period = rows["scorecard_period"].iloc[0] if len(rows) else ""
Markdown(f"## {area.name}: the Core Data Set, {period} (best-fit model v{model.version})")

# %% [markdown]
# ## The Core Data Set
# What are the needs of children and families here; how much did we do; how well did we do
# it; is anyone better off: each indicator by its question and its stage of the child's
# journey.

# %%
presenter.show(leadership.core_data_set(rows, model.current), "The Core Data Set")

# %% [markdown]
# ## What do we still need to do: the challenge list
# Where partner agencies miss their agreed targets: which agency, which indicator, how far
# off (in the indicator's unit, positive on the wrong side) and for how long.

# %%
challenge = leadership.challenge_list(rows)
presenter.show(challenge, "Challenge list: agreed targets missed",
               empty="Every indicator with an agreed target met it.")

# %% [markdown]
# ## Escalations from the Operational Board
# Themes across the sub-groups' cards and critical indicators getting worse.

# %%
summary = operational.group_summary(rows)
presenter.show(operational.to_leadership(summary, operational.ranked_exceptions(rows),
                                         operational.declines(rows), operational.load_rules()),
               "Escalations", empty="Nothing was escalated this quarter.")

# %% [markdown]
# ## The year's view for the annual review
# For each indicator across London's boards: how many can report it, raised an exception or
# had a data-quality error or query. Indicators few boards can report, or none act on, are
# the ones to question in the yearly review.

# %%
presenter.show(leadership.annual_review(table, model.current), "Annual review of the Core Data Set")

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough, "model_version": model.version}, [])
report_index.record_for_index({"Targets missed": len(challenge)}, period=period,
                              model_version=model.version)
presenter.show(record, "Run record")
