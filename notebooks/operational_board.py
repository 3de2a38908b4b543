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
# # Operational Board: the sub-groups' score cards for the quarter
#
# Each sub and task group produces a score card on its agreed indicators; the Operational
# Board considers them side by side and reports to the Leadership Board on the sub-groups'
# performance. This pack shows every group's card, the exceptions across groups ranked, the
# indicators getting worse, the board's overdue actions and a draft list to report up.

# %% tags=["parameters"]
borough = "Barnet"  # the board (its borough)
as_at = None  # the date actions are overdue at (year-month-day); None for today

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.boards import operational
from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.published import profile
from lscb_analysis.qa import audit_actions
from lscb_analysis.runs import report_index
from lscb_analysis.scorecard import group_narrative

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The board must be a borough in the register, and the score cards must have been built.

# %%
area = profile.check_borough(borough)
rows = operational.board_rows(operational.latest_cards(), area.name)
period = rows["scorecard_period"].iloc[0] if len(rows) else ""
Markdown(f"## {area.name}: the sub-groups' cards")

# %% [markdown]
# ## The groups side by side
# One line per sub-group: its indicators, how many have a figure, exceptions, targets met
# and missed, and indicators getting worse.

# %%
summary = operational.group_summary(rows)
presenter.show(summary, "Sub-group cards")

# %% [markdown]
# ## Exceptions across the groups, ranked
# Most exception rules firing first, then the most important indicators (critical first),
# then those getting worse; with what answers each (the group's narrative, the actions log).

# %%
ranked = operational.ranked_exceptions(rows)
parts, narrative_actions = group_narrative.read_narratives()
log = audit_actions.read_actions().table
unanswered = set(audit_actions.exceptions_without_action(rows, log)["pi_id"])
presenter.show(operational.answered_exceptions(ranked, narrative_actions, unanswered,
                                               area.name, period),
               "Exceptions across the sub-groups",
               empty="No indicator on the board's cards raised an exception.")

# %% [markdown]
# ## Getting worse
# Indicators whose latest figure is worse than the one before.

# %%
falling = operational.declines(rows)
presenter.show(falling, "Indicators getting worse", empty="No indicator got worse.")

# %% [markdown]
# ## Overdue actions
# Actions in the board's actions log whose due date has passed and that are not complete.

# %%
actions = audit_actions.overdue_actions(log, as_at)
presenter.show(operational.overdue_for(actions, area.name), "Overdue actions",
               empty="No action is overdue.")

# %% [markdown]
# ## To report to the Leadership Board (draft)
# Themes (sub-groups with several exceptions) and critical indicators getting worse.

# %%
presenter.show(operational.to_leadership(summary, ranked, falling, operational.load_rules()),
               "Draft: to report to the Leadership Board",
               empty="Nothing meets the rules for reporting up this quarter.")

# %% [markdown]
# ## The groups' narratives
# What each sub-group wrote for the quarter: the difference made for children and families,
# the voice of children and young people, actions, forward plan and escalations.

# %%
presenter.show(operational.group_narratives(parts, area.name, period), "Sub-group narratives",
               empty="No sub-group narrative has been returned for the quarter.")

# %% [markdown]
# ## Each group's card

# %%
presenter.show_many(operational.group_cards(rows))

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough, "as_at": as_at},
                               ["data/raw/audit/actions.csv", "data/processed/narratives"])
report_index.record_for_index({"Exceptions": len(ranked), "Getting worse": len(falling)},
                              period=period)
presenter.show(record, "Run record")
