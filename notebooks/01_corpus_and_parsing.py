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
# # 1. What is in the corpus — and what is not
#
# The corpus holds the official texts we could collect, each with its provenance (source,
# checksum) and, for treaties, Guinea's party status with the evidence behind it.
# Some Guinean texts that matter most are **not** available: they are listed as *not analysed*,
# and every report names them.

# %%
import pandas as pd

import lexcompare as lx
from lexcompare import corpus

pd.set_option("display.max_colwidth", 120)

rows = []
for e in corpus.catalogue():
    gn = e.party("gn")
    rows.append({"document": e.id, "kind": e.document.kind, "scope": e.document.scope,
                 "language": e.document.language, "in corpus": e.in_corpus,
                 "Guinea": "" if e.document.scope == "national" else gn.label,
                 "since": gn.date or ""})
pd.DataFrame(rows)

# %% [markdown]
# ## Known Guinean texts that are **not** in the corpus

# %%
pd.DataFrame([{"id": a.id, "text": a.reference, "why it matters": a.why}
              for a in corpus.absent_texts("gn")])

# %% [markdown]
# ## Reading a law article by article
#
# Every provision keeps its document, its identifier (Akoma Ntoso eId), its heading path and its
# exact text. Here is Benin's definition of trafficking (Code pénal, art. 499) and its alinéas.
# This text's headings are not where they belong (the source lists only part of the code's
# structure), so the corpus gives no heading path rather than a wrong one, and says why.

# %%
penal = corpus.load("bj-code-penal-2018")
art = penal.get("art_499")
print(art.number, "—", " > ".join(art.heading_path) or "(no heading path)")
print([f"{p.kind}: {p.message}" for p in penal.problems])
print(art.text)

# %% [markdown]
# The children's code keeps its structure: art. 201 on the sale and trafficking of children.

# %%
print(" > ".join(corpus.load("bj-code-enfant-2015").get("art_201").heading_path))

# %%
pd.DataFrame([{"eId": p.eid, "text": p.text[:100]} for p in penal.provisions
              if p.eid.startswith("art_499__")])

# %% [markdown]
# ## Bringing in a law from a PDF
#
# Ministries circulate PDFs and Word files. `lexcompare add` (or `corpus.add_user_document`)
# reads one — two columns, running headers and hyphenation handled — parses it and stores it in
# the user corpus, outside the shipped texts. Here a Journal-officiel-like PDF made from Benin's
# penal code stands in for Guinea's 2016 penal code (it is written to a temporary folder).

# %%
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path.cwd().parent / "tests"))
from pdfgen import bj_trafficking_slice, jo_pdf  # noqa: E402

from lexcompare.ingest import read_source  # noqa: E402

tmp = Path(tempfile.mkdtemp())
jo_pdf(bj_trafficking_slice(), tmp / "code-penal.pdf")
source = read_source(tmp / "code-penal.pdf")
print(len(source.page_starts), "pages;", "; ".join(source.notes)[:300])

# %%
os.environ["LEXCOMPARE_USER_CORPUS"] = str(tmp / "user-corpus")
corpus.refresh()
entry, parsed = corpus.add_user_document(
    tmp / "code-penal.pdf", doc_id="gn-code-penal-2016", country="gn", kind="code",
    title="Code pénal (extraits)", date="2016-10-26", carriers=["penal_code", "tip_law"])
a499 = parsed.get("art_499")
print(entry.id, len(parsed.articles), "articles; art. 499 on page(s)", a499.pages)
print(a499.text[:300])

# %%
del os.environ["LEXCOMPARE_USER_CORPUS"]
corpus.refresh()
