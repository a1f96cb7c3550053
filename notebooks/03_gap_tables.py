# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Gap tables: Guinea, with Benin beside it
#
# Per obligation: **covered** (every element found in binding national text), **partial**,
# **missing**, **conflicting**, or **not assessable** (the national text that would carry it is
# known but not in the corpus — for Guinea, the 2016 penal code and the 2023 anti-trafficking
# law). Each status comes with the provisions quoted exactly and a rationale in French and
# English.

# %%
import pandas as pd

import lexcompare as lx

pd.set_option("display.max_colwidth", 200)
guinea = lx.Study.load("gn-tip")
gaps = guinea.gaps()
gaps.status.value_counts()

# %% [markdown]
# ## Regional and international obligations, separately and together

# %%
pd.crosstab(gaps.theme, [gaps.scope, gaps.status])

# %% [markdown]
# ## What the Guinean texts analysed do say
#
# The constitution prohibits trafficking (art. 8): it is cited, while the criminal-law obligations
# stay *not assessable* until the penal code is added.

# %%
gaps[gaps.status != "not_assessable"][["obligation_id", "status", "national_eids",
                                         "rationale_fr"]]

# %%
gaps.set_index("obligation_id").loc["tip.criminalisation.offence", ["status", "rationale_fr",
                                                                     "related"]]

# %% [markdown]
# Which missing text blocks the most obligations? (The reports' section 5 is grouped the same
# way: supply the first text of this list first.)

# %%
gaps[gaps.status == "not_assessable"].absent_texts.value_counts().head(8)

# %% [markdown]
# ## Benin as a peer: side by side

# %%
benin = lx.Study.load("bj-tip").gaps()
side = gaps[["obligation_id", "theme", "status"]].merge(
    benin[["obligation_id", "status", "national_eids"]], on="obligation_id",
    suffixes=("_guinea", "_benin"))
side[side.theme.isin(["definition", "criminalisation", "penalties"])]

# %% [markdown]
# Benin's "partial" judgements, the ones to read first at the top. A partial marked `weak_basis`
# rests on a low-scored or off-subject article: in three blind audits most of those articles
# were unrelated to the obligation (`benchmarks/RESULTS.md`, gap judgements).

# %%
partial = benin[benin.status == "partial"].sort_values("weak_basis")
partial[["obligation_id", "national_eids", "weak_basis"]].head(8)

# %% [markdown]
# Where Guinea falls short, what does Benin's law say? `peer_wording` puts the peer's exact
# wording (article, page, checksums) beside each Guinean gap. `gn-tip` names Benin as its peer
# (`peer:` in its config; the two-country study `gn-bj-tip` gives the same); `lexcompare run
# --peer` quotes the covering Benin provision beside each gap in the reports.

# %%
peer = guinea.peer_wording("gn", "bj")
peer[peer.status_bj == "covered"][["obligation_id", "status_gn", "national_eids_bj",
                                   "quotes_bj"]].head(8)

# %% [markdown]
# ## The same rule in two laws
#
# Benin's penal code (2018) re-enacted the child-trafficking chapter of its children's code
# (2015). Aligning the two laws provision by provision puts each rule beside its twin, with the
# peer's exact wording, so a reviewer can check that penalties agree (here they do not: life
# imprisonment in penal code art. 593, 10 to 20 years in children's code art. 396).
# `lexcompare align-laws A B` writes the same table as CSV; `--versions` aligns two versions of
# one law.

# %%
from lexcompare.pipeline import align_laws

twins = align_laws("bj-code-penal-2018", "bj-code-enfant-2015",
                   articles=[f"art_{n}" for n in range(588, 596)], top_k=1)
twins[["eid", "peer_eid", "score", "peer_text"]]
