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
# # Section 11 self-assessment: partner agencies' safeguarding arrangements
#
# Section 11 of the Children Act 2004 requires each partner agency to make arrangements to
# safeguard and promote the welfare of children. Each agency rated itself against the
# standards in `data/reference/section11.yaml`, with its evidence and actions. This report
# shows who returned, how the standards are met across agencies, the criteria rated not fully
# met with no action, and the score card items to raise at each agency's challenge meeting.

# %% tags=["parameters"]
borough = None  # a board (its borough) for its agencies only; None for London

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.published import profile
from lscb_analysis.qa import section11_ingest, section11_summary
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The board, if given, must be a borough in the register; the returns must have been read
# (`lscb s11 ingest`).

# %%
area = profile.check_borough(borough) if borough else None
board = area.name if area else None
ratings = section11_ingest.read_ratings()
files = section11_ingest.read_files()
Markdown(f"**{section11_summary.headline(ratings, board)}**")

# %% [markdown]
# ## Returns received
# Every file received, and whether it is in use, replaced by a later return or set aside.

# %%
presenter.show(section11_summary.returns_table(files, board), "Self-assessments received")

# %% [markdown]
# ## The standards across agencies
# For each standard, how many criteria the agencies rated fully met, partly met or not met.

# %%
presenter.show(section11_summary.by_standard(ratings, board), "Ratings by standard")

# %% [markdown]
# ## Each agency
# Agencies with the smallest share of criteria fully met first, with the criteria they rated
# not fully met and gave no action for.

# %%
presenter.show(section11_summary.by_agency(ratings, board), "Ratings by agency")

# %% [markdown]
# ## Not fully met, with no action
# Each of these needs an action, an owner and a date before the board can be assured.

# %%
presenter.show(section11_summary.weak_without_action(ratings, board),
               "Criteria not fully met with no action",
               empty="Every criterion rated not fully met has an action.")

# %% [markdown]
# ## Score card items for the challenge meetings
# Exceptions on the board's score card for the PIs each assessed agency supplies.

# %%
presenter.show(section11_summary.challenge_items(ratings, section11_summary.latest_scorecard(),
                                                 board),
               "Score card items to raise with each agency",
               empty="No score card exception for the PIs these agencies supply.")

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"borough": borough}, ["data/processed/section11/ratings.parquet"])
report_index.record_for_index(section11_summary.index_headlines(ratings, board))
presenter.show(record, "Run record")
