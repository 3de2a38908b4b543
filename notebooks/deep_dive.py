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
# # Deep dive for the Quality Assurance sub-group
#
# "Performance information should not be treated as a straightforward measure of good and bad
# practice, but interrogated to see what lies behind it." For one borough and one theme (or one
# indicator): the trend against its own history (the yearly published figures and the
# borough's quarterly local figures), where the borough sits among London's boroughs and its
# statistical neighbours, what assessments record, what Ofsted found, what the multi-agency
# case-file audits show, and the questions all this raises for the board.

# %% tags=["parameters"]
borough = "Barnet"
theme = "neglect"  # an audit theme: neglect, exploitation, domestic_abuse, early_help
indicator = None  # or one published indicator id instead of a theme, e.g. "rereferral_pct"
period = None  # reporting year, e.g. 2025 for 2024-25; None for the latest
audit_id = None  # one audit to report; None for every audit of the theme for the borough
tier = "board"  # "board" (small numbers suppressed) or "analyst" (NOT FOR PUBLICATION)

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown, display

from lscb_analysis.core import provenance
from lscb_analysis.present import presenter
from lscb_analysis.protect import disclosure_config
from lscb_analysis.published import public_data
from lscb_analysis.qa import deep_dive, deep_dive_context, deep_dive_london, deep_dive_questions, deep_dive_trends
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The borough must be in the register, the theme or indicator known, the year published and
# the output tier "board" or "analyst".

# %%
table = public_data.load_public_indicators()
scope = deep_dive.check_parameters(table, borough, theme, indicator, period, audit_id, tier)
Markdown(deep_dive.title_block(scope))

# %% [markdown]
# ## The trend against the borough's own history
# Making Data Count charts of each yearly series: orange points are special-cause concern,
# blue special-cause improvement, grey common-cause variation; "c" marks a year DfE suppressed.

# %%
spc = deep_dive_trends.spc_frames(table, scope)
display(*deep_dive_trends.spc_figures(spc))

# %% [markdown]
# ## The quarterly local figures
# The same charts for the borough's own quarterly figures from its Phase III pilot returns, for
# the best-fit model's PIs on this theme. A suppressed quarter is marked "c" without its value
# and is left out of the limits.

# %%
quarterly = deep_dive_trends.quarterly_spc_frames(scope)
display(Markdown(deep_dive_trends.quarterly_note(scope, quarterly)),
        *deep_dive_trends.quarterly_figures(quarterly))

# %% [markdown]
# ## Where the borough sits among London's boroughs
# Funnel plots with 95% and 99.8% limits around the London figure, by the method set in
# data/reference/funnels.yaml: PHE's exact limits, widened for over-dispersion (Spiegelhalter
# 2005) when boroughs vary more than chance allows; each chart's note states the method. A
# borough that is not placed (suppressed, unpublished, no denominator) is named under the
# chart with the reason.

# %%
funnels = deep_dive_london.funnels(table, scope)
display(Markdown(deep_dive_london.funnel_gaps(funnels, scope)),
        *deep_dive_london.funnel_figures(funnels, scope))

# %% [markdown]
# ## The borough and its statistical neighbours
# Each with a 95% confidence interval, against England; "c" marks a suppressed figure.

# %%
display(*deep_dive_london.neighbour_figures(table, scope))

# %% [markdown]
# ## What assessments record
# Factors identified at the end of assessment (DfE children in need, table C3), as a share of
# assessments with factors recorded. Small counts are suppressed by DfE.

# %%
presenter.show(deep_dive_context.factor_breakdown(scope), "Factors identified at assessment", labels={"borough": scope.area.name})

# %% [markdown]
# ## What Ofsted found
# The latest ILACS judgements for the borough and its statistical neighbours.

# %%
presenter.show(deep_dive_context.inspection_context(scope), "Ofsted judgements")

# %% [markdown]
# ## What the case-file audits show
# Grades by section with the share good or better and its interval, with the case as the
# cluster (answers about one case are alike; the analyst tier also shows the design effect),
# agreement between auditors on double-marked cases (weighted kappa), how moderation moved
# grades, and repeat audits of the theme. Counts from 1 to 5 are suppressed for the board
# (the analyst tier shows them, NOT FOR PUBLICATION).

# %% tags=["print-compact"]
records = deep_dive_context.audit_records(scope)
deep_dive_context.show_tables(deep_dive_context.audit_tables(records, scope.tier))
Markdown(f"{deep_dive_context.audit_method_note()}\n\n{disclosure_config.method_note()}")

# %% [markdown]
# ## Actions and re-audits
# The borough's actions log: what is overdue, which re-audits are due, and score card
# exceptions no action answers yet.

# %%
deep_dive_context.show_tables(deep_dive_context.action_tables(scope.area))

# %% [markdown]
# ## Questions this raises
# Drawn from the signals above: special causes (yearly and quarterly), funnel outliers, weak
# audit sections and low agreement.

# %%
asked = deep_dive_questions.questions(scope, spc, funnels, records, quarterly)
Markdown("\n".join(f"- {q}" for q in asked))

# %% [markdown] tags=["print-only"]
# *On paper:* the run record (parameters, inputs and their checksums) is in the HTML report
# (`report.html`) beside this PDF.

# %% [markdown] tags=["screen-only"]
# ## Run record

# %% tags=["screen-only"]
record = provenance.run_record({"borough": borough, "theme": theme, "indicator": indicator,
                                "period": scope.period, "audit_id": audit_id, "tier": scope.tier},
                               ["data/processed/public_indicators.parquet",
                                "data/processed/pilot_values.parquet"])
report_index.record_for_index(deep_dive_questions.index_headlines(scope, spc, funnels, records, quarterly),
                              period=scope.period, as_at=f"31 March {scope.period}",
                              model_version=scope.model_version)
presenter.show(record, "Run record")
