# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Machine suggestions, and the analyst's decisions
#
# For each obligation the matcher ranks the national provisions that may meet it, with a score
# and the reasons (elements found, lexical and semantic similarity, theme). An analyst accepts or
# rejects a suggestion, changes a status, adds a provision the machine missed, and comments.
# Decisions go to a database in the study's working folder, with an audit trail that cannot be
# erased; they are never lost when the pipeline runs again.

# %%
import os
import tempfile

import pandas as pd

import lexcompare as lx

os.environ["LEXCOMPARE_WORK"] = tempfile.mkdtemp()  # this demo's reviews stay out of work/
pd.set_option("display.max_colwidth", 160)
study = lx.Study.load("bj-tip")
al = study.alignments()
al[al.obligation_id == "tip.definition.means"].head(5)

# %% [markdown]
# Each row says why, component by component. `score` is their weighted mean (what the gap
# analysis thresholds) and the best score is rank 1; a learned ranker fitted on the dev half of
# the gold alignments orders the rest, its probability on the `ranker` line
# (`MatchConfig(ranker=False)` orders everything by the score).

# %%
best = al[(al.obligation_id == "tip.definition.means") & (al["rank"] == 1)].iloc[0]
print(best.national_id, best.national_eid, best.score)
print(best.evidence.replace(" | ", "\n"))

# %% [markdown]
# ## Recording decisions

# %%
study.accept("tip.definition.means", "bj-code-penal-2018#art_499", who="analyste A",
             comment="Reprend les neuf moyens du Protocole.")
study.reject("tip.definition.means", "bj-code-travail#art_303", who="analyste A",
             comment="Travail forcé, pas une définition de la traite.")
study.set_status("tip.assistance.housing", "missing", who="analyste A",
                 comment="Aucun hébergement des victimes adultes prévu par la loi.")
study.comment("chd.opsc.penalties", "Vérifier quelle peine prévaut (lex specialis ?).",
              who="analyste B")
study.reviews()[["kind", "obligation_id", "national_refs", "value", "who", "state"]]

# %% [markdown]
# ## Decisions flow into the gap table, marked as the analyst's

# %%
gaps = study.gaps()
gaps[gaps.obligation_id.isin(["tip.assistance.housing", "chd.opsc.penalties"])][
    ["obligation_id", "machine_status", "status", "decided_by", "analyst_comment"]]

# %% [markdown]
# ## The audit trail (append-only)

# %%
pd.DataFrame([{"when": a.at, "who": a.who, "kind": a.kind, "obligation": a.obligation_id,
               "before": a.before, "after": a.after} for a in study.store.history()])
