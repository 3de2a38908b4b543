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
# # Consultation on the best-fit model: what partners said about each PI
#
# Partner agencies were sent the feedback form for a version of the best-fit model: keep,
# amend or remove for each PI, a suggested rating and wording, and any PI they would add. This
# report takes every returned form in `data/raw/consultation/`, as `lscb model feedback` read
# them, says which were used, and for each PI how much support it has. Answers given on an
# earlier version carry to this one when the PI has not changed since; answers about a PI that
# changed are kept but must be confirmed. It ends with the PIs the steering group should
# discuss, the wordings partners suggested and the new PIs they proposed.

# %% tags=["parameters"]
version = None  # the model version to summarise; None for the latest version of the model

# %%
# %matplotlib inline
# %load_ext lscb_analysis.protect.display_guard
from IPython.display import Markdown

from lscb_analysis.core import provenance
from lscb_analysis.model import consultation, consultation_carry, consultation_config, consultation_summary
from lscb_analysis.present import grid_charts, presenter
from lscb_analysis.runs import report_index

# %% [markdown] tags=["screen-only"]
# ## Parameter check
# The returned forms, as `lscb model feedback` read them; the version must be one a form in
# use commented on, or a later one (earlier answers carry to it).

# %%
result = consultation.read_ingested_feedback()
model = consultation_summary.check_version(version, result)
config = consultation_config.load_config()
Markdown(f"## Best-fit model version {model.version}: {len(model.pis)} PIs\n\n"
         f"**{consultation.summary_line(result)}**")

# %% [markdown]
# ## Who responded
# Each file is used, superseded by a later form from the same organisation, or rejected with
# the reason and what to do. The agency is read from the organisation's name.

# %%
presenter.show(consultation_summary.respondents_by_agency(result.files), "Forms by respondent agency")

# %%
presenter.show(consultation_summary.file_outcomes(result), "Feedback files and what happened to them")

# %% [markdown]
# ## Across versions
# For each PI, the answers given on this version, those carried from an earlier version (the
# PI's definition, numerator, denominator and rating are unchanged since), those to confirm
# (the PI changed since they were given: ask again) and the PIs not yet consulted.

# %%
standing = consultation_carry.answers_for_version(result.responses, model)
presenter.show(consultation_carry.consultation_standing(standing, model), "How far each PI has been consulted on")

# %% [markdown]
# ## Support per PI
# The share of the respondents who saw each PI answering keep, amend or remove (given on this
# version or carried), or whose answer is to confirm. Support is keep or amend as a share of
# the answers counted, with its Wilson interval; the signal applies the thresholds in
# `data/reference/consultation.yaml`.

# %%
summary = consultation_summary.summarise_feedback(result.responses, model, config)
grid_charts.category_bars(consultation_summary.support_table(summary),
                    consultation_summary.support_finding(summary), config["colours"],
                    xlabel="% of forms in use")

# %%
presenter.show(consultation_summary.support_display(summary), "Support for each PI")

# %% [markdown]
# ## Support by agency
# Whether some partners support the model less than others: every answer on this version's
# PIs, by the respondent's agency.

# %%
presenter.show(consultation_summary.support_by_agency(result.responses, model), "Support by respondent agency")

# %% [markdown]
# ## PIs for the steering group
# The PIs whose answers meet a threshold: many would remove or reword them, support is
# clearly lacking, or many suggest another rating.

# %%
presenter.show(consultation_summary.flagged_pis(summary), "PIs to look at again")

# %% [markdown]
# ## Suggested wordings and comments
# What each organisation wrote, PI by PI. Text that may hold a personal identifier is
# withheld.

# %%
presenter.show(consultation_summary.wording_suggestions(result.responses, model), "Wording suggestions")

# %% [markdown]
# ## Suggested new PIs

# %%
presenter.show(consultation_summary.new_pi_table(result.new_pis), "New PIs proposed")

# %% [markdown]
# ## Problems with the returned forms
# Errors (an answer that could not be used, a rejected file) first, then queries to check;
# each names the file, sheet and cell and says what to do.

# %%
presenter.show(consultation_summary.issue_table(result.issues), "Problems in the feedback files")

# %% [markdown]
# ## Run record

# %%
record = provenance.run_record({"version": model.version},
                               ["data/raw/consultation", "data/reference/consultation.yaml"])
report_index.record_for_index(consultation_summary.headlines(result, summary),
                              model_version=model.version)
presenter.show(record, "Run record")
