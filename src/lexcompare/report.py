"""Reports for reviewers who read, not run: Word, Excel, one self-contained HTML page and a PDF.

    >>> from lexcompare.study import Study
    >>> from lexcompare.report import write_report
    >>> write_report(Study.load("gn-tip"), Path("out"))          # doctest: +SKIP

Everything shown comes from the study's gap analysis (`Study.gaps()` / `Study.gap_records`);
nothing is recomputed here. Provision texts are quoted exactly (never retouched by the French
typography applied to the report's own wording). Every file is written to a temporary name in
the output folder, then renamed (atomic).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import corpus, themes
from .errors import LexcompareError
from .gaps import STATUS_LABELS, STATUSES, Gap, Quote, eid_label, instrument_label

FORMATS = ("docx", "xlsx", "html", "pdf")
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: One palette for every export (fill colours, light enough for black text).
STATUS_COLOURS = {
    "covered": "A5D6A7",  # green
    "partial": "FFD54F",  # amber
    "missing": "EF9A9A",  # red
    "conflicting": "CE93D8",  # purple
    "not_assessable": "D6D6D6",  # grey
}
#: Heatmap: the least favourable assessed status colours the cell (grey when none is assessable).
SEVERITY = ("conflicting", "missing", "partial", "covered")
STATUS_SHORT = {
    "fr": {"covered": "C", "partial": "P", "missing": "M", "conflicting": "X",
           "not_assessable": "NE"},
    "en": {"covered": "C", "partial": "P", "missing": "M", "conflicting": "X",
           "not_assessable": "NA"},
}
PARTY_FR = {"party": "partie", "party (unverified)": "partie (non vérifié)",
            "signed only": "signataire seulement", "not party": "non partie",
            "unverified": "non vérifié", "unknown instrument": "instrument inconnu"}
COUNTRY_NAMES = {"gn": ("Guinée", "Guinea"), "bj": ("Bénin", "Benin")}
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")

NBSP, NNBSP = "\u00a0", "\u202f"

T: dict[str, dict[str, str]] = {
    "fr": {
        "draft": "Projet — pour revue HCDH/OIM",
        "subtitle": "Comparaison du droit national avec les instruments ratifiés",
        "date": "Date",
        "scope": "Périmètre de l'analyse",
        "instruments": "Instruments et statut de l'État",
        "instrument": "Instrument",
        "country": "Pays",
        "party_status": "Statut",
        "party_date": "Date",
        "binding": "Portée",
        "binding_yes": "contraignant",
        "binding_no": "référence (non contraignant pour l'État)",
        "soft_law": "référence (soft law)",
        "analysed": "Textes nationaux analysés",
        "not_analysed": "Textes connus NON analysés (absents du corpus)",
        "not_analysed_note": "Les obligations que ces textes portent normalement sont classées "
                             "« non évaluables » : leur absence du corpus ne signifie pas une "
                             "lacune du droit national.",
        "document": "Document",
        "articles": "Articles",
        "method": "Méthode",
        "summary": "Synthèse",
        "by_status": "Obligations par statut",
        "by_theme": "Obligations par thème et statut",
        "by_scope": "Instruments régionaux et internationaux",
        "status": "Statut",
        "theme": "Thème",
        "scope_col": "Portée géographique",
        "international": "international",
        "regional": "régional",
        "total": "Total",
        "gaps": "Analyse des écarts par thème",
        "not_assessable_title": "Obligations non évaluables, par texte manquant",
        "not_assessable_note": "Ces obligations ne peuvent pas être appréciées : le texte "
                               "national qui les porte normalement ne figure pas parmi les textes "
                               "analysés. Leur absence ne signifie pas une lacune du droit "
                               "national. Elles sont regroupées par texte manquant : fournir ce "
                               "texte (lexcompare add) permet de les évaluer.",
        "na_missing_texts": "Textes manquants",
        "na_obligations": "obligations",
        "na_related": "Dispositions connexes dans les textes analysés",
        "na_other": "Classées non évaluables par l'analyste",
        "peer": "Pays pair",
        "peer_note": "Pour comparaison, là où le pays pair est jugé couvrir l'obligation (ses "
                     "propres textes, même liste d'obligations) : la disposition sur laquelle "
                     "repose ce jugement.",
        "obligation": "Obligation",
        "article": "Article de l'instrument",
        "strength": "Force",
        "mandatory": "obligatoire",
        "optional": "facultative",
        "provisions": "Dispositions nationales (extraits exacts)",
        "related": "Disposition connexe (non décisive)",
        "missing_elements": "Éléments manquants",
        "rationale": "Motivation",
        "analyst_comment": "Commentaire de l'analyste",
        "decided_by": "Décision",
        "analyst": "décision de l'analyste",
        "weak_basis": "fondement fragile",
        "weak_basis_col": "Fondement fragile",
        "machine": "suggestion automatique",
        "annex": "Annexe — texte intégral des dispositions citées",
        "annex_note": "Texte exact de chaque disposition nationale sur laquelle repose une "
                      "appréciation, avec l'empreinte SHA-256 de la disposition et du fichier "
                      "source.",
        "relied_on_by": "Citée pour",
        "page": "p.",
        "no_page": "page non indiquée",
        "provision_sha": "SHA-256 de la disposition",
        "source_sha": "SHA-256 du fichier source",
        "none": "—",
        "heatmap": "Carte de couverture (thèmes × instruments)",
        "heatmap_note": "Couleur : statut le moins favorable parmi les obligations évaluées "
                        "(gris si aucune n'est évaluable). Chiffres : nombre d'obligations par "
                        "statut.",
        "legend": "Légende",
        "filters": "Filtres",
        "all": "tous",
        "search": "Rechercher",
        "search_ph": "mot, article, instrument…",
        "shown": "obligations affichées",
        "sheet_summary": "Synthèse",
        "sheet_scope": "Périmètre",
        "sheet_annex": "Annexe",
        "obligation_id": "Identifiant",
        "sources": "Sources",
        "party": "Statut de l'État",
        "quotes": "Dispositions nationales",
        "eids": "eId",
        "pages": "Pages",
        "checksums": "SHA-256 des dispositions",
        "findings": "Constats",
        "elements_found": "Éléments trouvés",
        "full_text": "Texte intégral",
        "contents": "Sommaire",
        "generated": "Généré par lexcompare le",
    },
    "en": {
        "draft": "Draft — for OHCHR/IOM review",
        "subtitle": "National law compared with the instruments ratified",
        "date": "Date",
        "scope": "Scope of the analysis",
        "instruments": "Instruments and the State's status",
        "instrument": "Instrument",
        "country": "Country",
        "party_status": "Status",
        "party_date": "Date",
        "binding": "Force",
        "binding_yes": "binding",
        "binding_no": "benchmark (not binding on the State)",
        "soft_law": "benchmark (soft law)",
        "analysed": "National texts analysed",
        "not_analysed": "Known texts NOT analysed (not in the corpus)",
        "not_analysed_note": "Obligations these texts normally carry are classed \"not "
                             "assessable\": their absence from the corpus does not mean a gap "
                             "in national law.",
        "document": "Document",
        "articles": "Articles",
        "method": "Method",
        "summary": "Executive summary",
        "by_status": "Obligations by status",
        "by_theme": "Obligations by theme and status",
        "by_scope": "Regional and international instruments",
        "status": "Status",
        "theme": "Theme",
        "scope_col": "Scope",
        "international": "international",
        "regional": "regional",
        "total": "Total",
        "gaps": "Gap analysis by theme",
        "not_assessable_title": "Obligations not assessable, by missing text",
        "not_assessable_note": "These obligations cannot be assessed: the national text that "
                               "normally carries them is not among the texts analysed. Their "
                               "absence does not mean a gap in national law. They are grouped "
                               "by missing text: supplying that text (lexcompare add) lets them "
                               "be assessed.",
        "na_missing_texts": "Missing texts",
        "na_obligations": "obligations",
        "na_related": "Related provisions in the texts analysed",
        "na_other": "Classed not assessable by the analyst",
        "peer": "Peer country",
        "peer_note": "For comparison, where the peer country is judged to cover the obligation "
                     "(its own texts, the same obligations): the provision that judgement rests "
                     "on.",
        "obligation": "Obligation",
        "article": "Instrument article",
        "strength": "Strength",
        "mandatory": "mandatory",
        "optional": "optional",
        "provisions": "National provisions (exact quotes)",
        "related": "Related provision (not decisive)",
        "missing_elements": "Missing elements",
        "rationale": "Rationale",
        "analyst_comment": "Analyst comment",
        "decided_by": "Decision",
        "analyst": "analyst decision",
        "weak_basis": "weak basis",
        "weak_basis_col": "Weak basis",
        "machine": "machine suggestion",
        "annex": "Annex — full text of the provisions cited",
        "annex_note": "Exact text of every national provision a judgement relies on, with the "
                      "SHA-256 fingerprint of the provision and of the source file.",
        "relied_on_by": "Cited for",
        "page": "p.",
        "no_page": "page not given",
        "provision_sha": "Provision SHA-256",
        "source_sha": "Source file SHA-256",
        "none": "—",
        "heatmap": "Coverage heatmap (themes × instruments)",
        "heatmap_note": "Colour: least favourable status among the obligations assessed (grey "
                        "when none is assessable). Figures: number of obligations by status.",
        "legend": "Legend",
        "filters": "Filters",
        "all": "all",
        "search": "Search",
        "search_ph": "word, article, instrument…",
        "shown": "obligations shown",
        "sheet_summary": "Summary",
        "sheet_scope": "Scope",
        "sheet_annex": "Annex",
        "obligation_id": "Id",
        "sources": "Sources",
        "party": "State's status",
        "quotes": "National provisions",
        "eids": "eId",
        "pages": "Pages",
        "checksums": "Provision SHA-256",
        "findings": "Findings",
        "elements_found": "Elements found",
        "full_text": "Full text",
        "contents": "Contents",
        "generated": "Generated by lexcompare on",
    },
}

METHOD = {
    "fr": (
        "Les textes nationaux sont découpés en dispositions (articles, alinéas, points) dont le "
        "texte est conservé à l'identique et identifié par un eId et une empreinte SHA-256. Une "
        "liste de contrôle des obligations, tirée article par article des instruments "
        "internationaux et régionaux, décrit pour chaque obligation les éléments qu'une "
        "disposition nationale doit contenir. Pour chaque obligation, les dispositions "
        "nationales les plus proches sont recherchées automatiquement (similarité de sens et de "
        "vocabulaire), puis chaque disposition retenue est examinée élément par élément. Une "
        "obligation n'est « couverte » que si tous ses éléments se trouvent dans un texte "
        "national contraignant ; elle est « partielle » s'il en manque, « manquante » si aucune "
        "disposition ne s'y rapporte, « en conflit » si une règle nationale va à son encontre. "
        "Elle est « non évaluable » lorsque le texte qui la porte normalement (code pénal, loi "
        "sur la traite…) n'est pas dans le corpus : non évaluable ne veut pas dire manquant. "
        "« Partielle (fondement fragile) » signale une disposition citée dont le rapport avec "
        "l'obligation est douteux (correspondance faible ou autre thème) : dans un audit à "
        "l'aveugle, quatre sur cinq étaient sans rapport, contre une sur deux des autres "
        "appréciations partielles ; toute appréciation partielle est à relire. "
        "Ces statuts sont des suggestions de la machine ; chaque ligne indique si elle a été "
        "confirmée ou modifiée par un analyste, avec son commentaire."
    ),
    "en": (
        "National texts are split into provisions (articles, paragraphs, points) whose text is "
        "kept exactly and identified by an eId and a SHA-256 fingerprint. A checklist of "
        "obligations, drawn article by article from the international and regional "
        "instruments, lists for each obligation the elements a national provision must "
        "contain. For each obligation the closest national provisions are found automatically "
        "(similarity of meaning and wording), then each provision retained is checked element "
        "by element. An obligation is \"covered\" only when all its elements are found in "
        "binding national law; it is \"partial\" when some are missing, \"missing\" when no "
        "provision addresses it, \"conflicting\" when a national rule cuts against it. It is "
        "\"not assessable\" when the text that normally carries it (penal code, anti-"
        "trafficking law…) is not in the corpus: not assessable does not mean missing. "
        "\"Partial (weak basis)\" marks a quoted provision whose bearing on the obligation is "
        "doubtful (weak match or another theme): in a blind audit four in five were unrelated, "
        "against one in two of the other partial judgements; read every partial judgement. These "
        "statuses are machine suggestions; each row shows whether an analyst confirmed or "
        "changed it, with the analyst's comment."
    ),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------------------------------------
# Wording helpers


def typo(text: str, lang: str) -> str:
    """French typography for the report's OWN wording (never applied to quoted legal text):
    no-break space before « : » and narrow no-break space before ; ! ?, inside guillemets."""
    if lang != "fr" or not text:
        return text
    text = re.sub(r"[ \u00a0\u202f]?:(?=\s|$)", NBSP + ":", text)
    text = re.sub(r"[ \u00a0\u202f]?([;!?])(?=\s|$)", NNBSP + r"\1", text)
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NBSP, text)
    text = re.sub(r"[ \u00a0\u202f]*»", NBSP + "»", text)
    return text


def quoted(text: str, lang: str) -> str:
    """Quotation marks around an exact text (the text itself untouched)."""
    return f"«{NBSP}{text}{NBSP}»" if lang == "fr" else f"\u201c{text}\u201d"


def clean(text: str) -> str:
    """Drop the control characters XML formats cannot hold (nothing else is changed)."""
    return _CONTROL.sub("", text or "")


def format_date(d: dt.date, lang: str) -> str:
    return f"{d.day} {MONTHS_FR[d.month - 1]} {d.year}" if lang == "fr" else d.strftime(
        "%d %B %Y")


def country_name(code: str, lang: str) -> str:
    fr, en = COUNTRY_NAMES.get(code, (code.upper(), code.upper()))
    return fr if lang == "fr" else en


def theme_label(theme: str, lang: str) -> str:
    try:
        return themes.label(theme, lang)
    except (KeyError, Exception):  # unknown theme id or unreadable taxonomy: show the id
        return theme


def report_name(fmt: str, lang: str) -> str:
    return f"report.{fmt}" if lang == "fr" else f"report.{lang}.{fmt}"


# ---------------------------------------------------------------------------------------------
# The report's content, built once and rendered to every format


@dataclass
class QuoteView:
    ref: str  # "Constitution de 2025, art. 8"
    locator: str  # "gn-constitution-2025#art_8, p. 3"
    short: str  # exact (truncated) text
    text: str  # exact full text
    key: str  # doc#eid
    related: bool = False


@dataclass
class GapView:
    country: str
    country_name: str
    obligation_id: str
    obligation: str
    theme: str
    theme_label: str
    instrument_id: str
    article: str  # every source, labelled
    instruments: tuple[str, ...]
    scope: str
    scope_label: str
    strength: str
    binding: bool
    party: str
    status: str
    status_label: str
    weak_basis: bool  # a machine "partial" whose first quote may be unrelated (gaps.Gap)
    colour: str
    decided_by: str
    decided_label: str
    analyst: bool
    quotes: list[QuoteView]
    missing: str
    found: str
    findings: str
    rationale: str
    comment: str
    checksums: str
    absent_texts: tuple[str, ...] = ()  # ids of the missing texts that would carry it
    peer: QuoteView | None = None  # the peer country's wording (study `peer:`), if shown
    peer_label: str = ""  # "Bénin (couverte)"

    @property
    def search_text(self) -> str:
        return " ".join([self.obligation_id, self.obligation, self.article, self.rationale,
                         self.comment, self.missing,
                         *(q.ref + " " + q.short for q in self.quotes)])


@dataclass
class AnnexItem:
    key: str
    document_id: str
    ref: str
    eid: str
    pages: str
    text: str
    checksum: str
    source_sha256: str
    cited_for: list[str] = field(default_factory=list)


@dataclass
class ReportModel:
    lang: str
    t: dict[str, str]
    title: str
    date: str
    countries: list[str]
    instruments: list[dict[str, Any]]
    analysed: list[dict[str, Any]]
    absent: list[dict[str, Any]]
    method: str
    gaps: list[GapView]
    themes: list[tuple[str, str]]  # (id, label), taxonomy order
    status_counts: list[tuple[str, str, int]]  # (status, label, n)
    theme_counts: list[dict[str, Any]]
    scope_counts: list[dict[str, Any]]
    heat_instruments: list[tuple[str, str]]
    heat_rows: list[dict[str, Any]]
    annex: list[AnnexItem]
    has_comments: bool
    has_analyst: bool
    peer_name: str  # the peer country shown beside the gaps, "" when none
    statuses: list[tuple[str, str, str]]  # (status, label, colour)

    def gaps_by_theme(self) -> list[tuple[str, str, list[GapView]]]:
        return [(tid, lab, [g for g in self.gaps if g.theme == tid]) for tid, lab in self.themes]

    def assessed_by_theme(self) -> list[tuple[str, str, list[GapView]]]:
        """Section 4: the obligations that could be judged, by theme (empty themes left out)."""
        out = [(tid, lab, [g for g in items if g.status != "not_assessable"])
               for tid, lab, items in self.gaps_by_theme()]
        return [x for x in out if x[2]]

    def not_assessable_groups(self) -> list[tuple[str, list[GapView]]]:
        """Section 5: not-assessable obligations grouped by the missing texts that would carry
        them ("Code pénal de 2016, loi de 2023"), largest group first: what to supply next."""
        names = {a["id"]: a.get("short") or a["title"] for a in self.absent}
        groups: dict[tuple[str, ...], list[GapView]] = {}
        for g in self.gaps:
            if g.status == "not_assessable":
                groups.setdefault(g.absent_texts, []).append(g)
        order = sorted(groups, key=lambda k: (not k, -len(groups[k]), k))
        return [(", ".join(names.get(i, i) for i in k) if k else self.t["na_other"], groups[k])
                for k in order]


def _quote_view(q: Quote, doc_names: dict[str, str], lang: str, related: bool) -> QuoteView:
    t = T[lang]
    doc = doc_names.get(q.document_id, q.document_id)
    pages = f", {t['page']} {', '.join(map(str, q.pages))}" if q.pages else ""
    return QuoteView(ref=f"{doc}, {eid_label(q.eid, lang) or q.number}",
                     locator=f"{q.document_id}#{q.eid}{pages}", short=clean(q.short),
                     text=clean(q.text), key=f"{q.document_id}#{q.eid}", related=related)


def _peer_view(g: Gap | None, doc_names: dict[str, str], lang: str) -> dict[str, Any]:
    if g is None:
        return {}
    label = f"{country_name(g.country, lang)} ({STATUS_LABELS[lang][g.status]})"
    return {"peer": _quote_view(g.quotes[0], doc_names, lang, related=False),
            "peer_label": label}


def _source_label(ref: str, lang: str) -> str:
    inst, _, eid = ref.partition("#")
    return instrument_label(inst, eid, lang)


def _text(row: dict[str, Any], key: str) -> str:
    v = row.get(key)
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v)


def build_model(study: Any, lang: str = "fr", *, peer: bool = False) -> ReportModel:
    """Everything a report shows, in `lang`, from the study's gap analysis; with `peer`, the
    study's peer country's wording beside each obligation it covers or partly covers."""
    if lang not in T:
        raise LexcompareError(f"report language {lang!r}: use 'fr' or 'en'")
    t = T[lang]
    labels = STATUS_LABELS[lang]
    raw_title = study.config.get("title", study.id)
    title = raw_title.get(lang) or next(iter(raw_title.values())) if isinstance(
        raw_title, dict) else str(raw_title)
    countries = list(study.countries)
    from .study import doc_short

    doc_names = {d: doc_short(d, lang) for ds in study.countries.values() for d in ds}
    element_labels: dict[tuple[str, str], str] = {}
    for o in getattr(study, "obligations", []) or []:
        for e in getattr(o, "elements", ()):
            element_labels[(o.id, e.id)] = e.label(lang)

    records: dict[tuple[str, str], Gap] = {(g.country, g.obligation_id): g
                                           for g in study.gap_records}
    peer_study = getattr(study, "peer_study", None) if peer else None
    peer_gaps: dict[str, Gap] = {}
    if peer_study is not None:
        doc_names.update({d: doc_short(d, lang) for ds in peer_study.countries.values()
                          for d in ds})
        # only what the peer is judged to cover: a "partial, to be confirmed" would offer a
        # model wording that may not be one
        peer_gaps = {g.obligation_id: g for g in peer_study.gap_records
                     if g.status == "covered" and g.quotes}
    df = study.gaps()
    rows = df.to_dict("records") if not df.empty else []
    gaps: list[GapView] = []
    annex: dict[str, AnnexItem] = {}
    for row in rows:
        g = records.get((row["country"], row["obligation_id"]))
        status = _text(row, "status") or (g.status if g else "not_assessable")
        decided = _text(row, "decided_by") or "machine"
        # the machine's doubt about its own quote, shown until an analyst decides
        weak = status == "partial" and decided != "analyst" and str(
            row.get("weak_basis")).lower() in ("true", "1")  # bool, or text read back from CSV
        quotes: list[QuoteView] = []
        obligation = typo(_text(row, f"label_{lang}") or _text(row, "label_fr"), lang)
        if g is not None:
            for q in g.quotes:
                quotes.append(_quote_view(q, doc_names, lang, related=False))
            for q in g.related:
                quotes.append(_quote_view(q, doc_names, lang, related=True))
            pg = peer_gaps.get(row["obligation_id"])
            for q in (*g.quotes, *g.related, *((pg.quotes[0],) if pg else ())):
                key = f"{q.document_id}#{q.eid}"
                item = annex.setdefault(key, AnnexItem(
                    key=key, document_id=q.document_id,
                    ref=f"{doc_names.get(q.document_id, q.document_id)}, "
                        f"{eid_label(q.eid, lang) or q.number}", eid=q.eid,
                    pages=", ".join(map(str, q.pages)), text=clean(q.text),
                    checksum=q.checksum, source_sha256=q.source_sha256))
                if row["obligation_id"] not in item.cited_for:
                    item.cited_for.append(row["obligation_id"])
        missing_ids = list(g.missing_elements) if g is not None else [
            m for m in _text(row, "missing_elements").split("; ") if m]
        found_ids = list(g.elements_found) if g is not None else [
            m for m in _text(row, "elements_found").split("; ") if m]
        sources = [s for s in _text(row, "sources").split("; ") if s]
        insts = tuple(dict.fromkeys(s.partition("#")[0] for s in sources)) or (
            row["instrument_id"],)
        scope = _text(row, "scope") or "international"
        gaps.append(GapView(
            country=row["country"], country_name=country_name(row["country"], lang),
            obligation_id=row["obligation_id"], obligation=obligation, theme=row["theme"],
            theme_label=theme_label(row["theme"], lang), instrument_id=row["instrument_id"],
            article="; ".join(_source_label(s, lang) for s in sources) or instrument_label(
                row["instrument_id"], _text(row, "instrument_eid"), lang),
            instruments=insts, scope=scope, scope_label=t.get(scope, scope),
            strength=t.get(_text(row, "strength"), _text(row, "strength")),
            binding=bool(row.get("binding")), party=_text(row, "party"), status=status,
            status_label=labels.get(status, status), weak_basis=weak,
            colour=STATUS_COLOURS.get(status, "FFFFFF"),
            decided_by=decided, decided_label=t["analyst"] if decided == "analyst"
            else t["machine"], analyst=decided == "analyst", quotes=quotes,
            missing=typo("; ".join(element_labels.get((row["obligation_id"], m), m)
                                   for m in missing_ids), lang),
            found="; ".join(element_labels.get((row["obligation_id"], m), m) for m in found_ids),
            findings=_text(row, f"findings_{lang}") or _text(row, "findings"),
            rationale=typo(_text(row, f"rationale_{lang}") or _text(row, "rationale_fr"), lang),
            comment=_text(row, "analyst_comment"),
            checksums=_text(row, "provision_checksums"),
            absent_texts=tuple(g.absent_texts) if g is not None else tuple(
                a for a in _text(row, "absent_texts").split("; ") if a),
            **_peer_view(peer_gaps.get(row["obligation_id"]), doc_names, lang)))

    theme_order = {tid: i for i, tid in enumerate(themes.THEMES)}
    present = sorted({g.theme for g in gaps}, key=lambda x: (theme_order.get(x, 999), x))
    theme_list = [(tid, theme_label(tid, lang)) for tid in present]

    counts = Counter(g.status for g in gaps)
    status_counts = [(s, labels[s], counts.get(s, 0)) for s in STATUSES]
    theme_counts = []
    for tid, lab in theme_list:
        c = Counter(g.status for g in gaps if g.theme == tid)
        theme_counts.append({"theme": tid, "label": lab, "counts": [c.get(s, 0) for s in STATUSES],
                             "total": sum(c.values())})
    scope_counts = []
    for sc in sorted({g.scope for g in gaps} | {"international", "regional"}):
        c = Counter(g.status for g in gaps if g.scope == sc)
        scope_counts.append({"scope": sc, "label": t.get(sc, sc),
                             "counts": [c.get(s, 0) for s in STATUSES], "total": sum(c.values())})

    inst_df = study.instruments()
    instruments: list[dict[str, Any]] = []
    for r in inst_df.to_dict("records"):
        per_country = []
        for c in countries:
            binding = bool(r.get(f"{c}_binding"))
            force = t["soft_law"] if r.get("soft_law") else (
                t["binding_yes"] if binding else t["binding_no"])
            per_country.append({"country": country_name(c, lang),
                                "status": PARTY_FR.get(_text(r, f"{c}_status"),
                                                       _text(r, f"{c}_status"))
                                if lang == "fr" else _text(r, f"{c}_status"),
                                "date": _text(r, f"{c}_date") or t["none"],
                                "binding": binding and not r.get("soft_law"), "force": force})
        name = instrument_label(r["instrument_id"], "", lang)
        full = (r.get("title_fr") or r["title"]) if lang == "fr" else r["title"]
        instruments.append({"id": r["instrument_id"], "name": name, "title": full,
                            "scope": t.get(r.get("scope") or "", r.get("scope") or ""),
                            "parties": per_country})

    analysed, absent = [], []
    docs_df = study.documents()
    for r in docs_df.to_dict("records"):
        item = {"country": country_name(r["country"], lang), "id": r["document_id"],
                "title": _text(r, "title"), "date": _text(r, "date"),
                "articles": "" if r.get("articles") is None or pd.isna(r.get("articles"))
                else str(int(r["articles"]))}
        (analysed if r.get("analysed") else absent).append(item)
    why = {a.id: a for c in countries for a in corpus.absent_texts(c)}
    for item in absent:
        a = why.get(item["id"])
        item["short"] = (a.short_fr if lang == "fr" else a.short_en) if a else item["title"]
        item["why"] = a.why if a else ""

    inst_order = {i["id"]: k for k, i in enumerate(instruments)}
    heat_ids = sorted({i for g in gaps for i in g.instruments},
                      key=lambda x: (inst_order.get(x, 999), x))
    heat_instruments = [(i, instrument_label(i, "", lang)) for i in heat_ids]
    heat_rows = []
    for tid, lab in theme_list:
        cells = []
        for i in heat_ids:
            c = Counter(g.status for g in gaps if g.theme == tid and i in g.instruments)
            worst = next((s for s in SEVERITY if c.get(s)), "not_assessable" if c else "")
            parts = [f"{c[s]}\u00a0{STATUS_SHORT[lang][s]}" for s in STATUSES if c.get(s)]
            cells.append({"status": worst, "colour": STATUS_COLOURS.get(worst, "FFFFFF"),
                          "text": " ".join(parts), "n": sum(c.values()),
                          "title": "; ".join(f"{labels[s]}: {c[s]}" for s in STATUSES
                                             if c.get(s))})
        heat_rows.append({"theme": tid, "label": lab, "cells": cells})

    today = dt.date.today()
    return ReportModel(
        lang=lang, t={k: typo(v, lang) for k, v in t.items()}, title=title,
        date=format_date(today, lang), countries=countries, instruments=instruments,
        analysed=analysed, absent=absent, method=typo(METHOD[lang], lang), gaps=gaps,
        themes=theme_list, status_counts=status_counts, theme_counts=theme_counts,
        scope_counts=scope_counts, heat_instruments=heat_instruments, heat_rows=heat_rows,
        annex=list(annex.values()), has_comments="analyst_comment" in df.columns,
        has_analyst=any(g.analyst for g in gaps),
        peer_name=country_name(study.peer[0], lang) if peer_study else "",
        statuses=[(s, labels[s], STATUS_COLOURS[s]) for s in STATUSES])


# ---------------------------------------------------------------------------------------------
# Atomic writing


def _atomic(target: Path, write: Callable[[Path], None]) -> Path:
    # ".report.pdf.<random>.tmp": a run killed mid-write never leaves a file that looks like
    # a report (same pattern as corpus.atomic_write_text).
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------------------------------------
# Word


def _shade(cell: Any, hex_colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_colour)
    tc_pr.append(shd)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _docx_table(doc: Any, header: Sequence[str], rows: Iterable[Sequence[Any]],
                widths_cm: Sequence[float] | None = None, font_pt: float = 8.5) -> Any:
    """A real Word table (style 'Table Grid'), header row bold, shaded and repeated.

    A cell value is a string, or a callable filling the cell itself."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    hdr = table.rows[0]
    _repeat_header(hdr)
    for cell, text in zip(hdr.cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(font_pt)
        _shade(cell, "DCE6F0")
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            if callable(value):
                value(cell)
            else:
                run = cell.paragraphs[0].add_run(clean(str(value)))
                run.font.size = Pt(font_pt)
    if widths_cm:
        for col, w in zip(table.columns, widths_cm, strict=True):
            col.width = Cm(w)  # tblGrid: what LibreOffice reads
        for row in table.rows:
            for cell, w in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(w)
    return table


def write_docx(m: ReportModel, target: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    t = m.t
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2.0))
    doc.core_properties.title = m.title
    doc.core_properties.language = m.lang

    # Title page
    for _ in range(5):
        doc.add_paragraph()
    p = doc.add_paragraph(m.title, style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(t["subtitle"], style="Subtitle")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(t["draft"])
    run.bold = True
    run.font.size = Pt(14)
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    p = doc.add_paragraph(m.date)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_break(WD_BREAK.PAGE)

    # Scope
    doc.add_heading(f"1. {t['scope']}", level=1)
    doc.add_heading(t["instruments"], level=2)
    header = [t["instrument"], t["country"], t["party_status"], t["party_date"], t["binding"]]
    rows = []
    for inst in m.instruments:
        for pc in inst["parties"]:
            rows.append([f"{inst['name']} — {inst['title']}", pc["country"], pc["status"],
                         pc["date"], pc["force"]])
    _docx_table(doc, header, rows, [7.0, 2.0, 2.8, 2.2, 3.0])
    doc.add_heading(t["analysed"], level=2)
    _docx_table(doc, [t["country"], t["document"], "id", t["articles"]],
                [[a["country"], a["title"], a["id"], a["articles"]] for a in m.analysed],
                [2.5, 8.0, 4.5, 2.0])
    doc.add_heading(t["not_analysed"], level=2)
    for a in m.absent:
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(a["title"]).bold = True
        p.add_run(f" ({a['country']}, {a['date']}) — {a['id']}")
    doc.add_paragraph(t["not_analysed_note"])

    # Method
    doc.add_heading(f"2. {t['method']}", level=1)
    doc.add_paragraph(m.method)

    # Executive summary
    doc.add_heading(f"3. {t['summary']}", level=1)
    doc.add_heading(t["by_status"], level=2)
    tbl = _docx_table(doc, [t["status"], t["total"]],
                      [[lab, str(n)] for _, lab, n in m.status_counts], [6.0, 3.0], 10)
    for row, (s, _, _) in zip(tbl.rows[1:], m.status_counts, strict=True):
        _shade(row.cells[0], STATUS_COLOURS[s])
    slabels = [lab for _, lab, _ in m.statuses]
    doc.add_heading(t["by_theme"], level=2)
    tbl = _docx_table(doc, [t["theme"], *slabels, t["total"]],
                      [[r["label"], *map(str, r["counts"]), str(r["total"])]
                       for r in m.theme_counts], [4.3, 2.3, 2.3, 2.3, 2.3, 2.3, 1.3])
    for cell, (s, _, _) in zip(tbl.rows[0].cells[1:], m.statuses, strict=False):
        _shade(cell, STATUS_COLOURS[s])
    doc.add_heading(t["by_scope"], level=2)
    _docx_table(doc, [t["scope_col"], *slabels, t["total"]],
                [[r["label"], *map(str, r["counts"]), str(r["total"])] for r in m.scope_counts],
                [4.3, 2.3, 2.3, 2.3, 2.3, 2.3, 1.3])

    # Gap tables, landscape
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    doc.add_heading(f"4. {t['gaps']}", level=1)
    if m.peer_name:
        doc.add_paragraph(typo(f"{t['peer']}: {m.peer_name}. {t['peer_note']}", m.lang))
    multi = len(m.countries) > 1
    header = [t["obligation"], t["article"], t["strength"], t["status"], t["provisions"],
              t["missing_elements"], t["rationale"]]
    widths = [3.6, 3.0, 1.7, 2.2, 7.4, 2.4, 5.4]
    if m.has_comments:
        header.append(t["analyst_comment"])
        widths = [3.4, 2.6, 1.6, 2.1, 6.6, 2.2, 4.4, 2.8]

    def obligation_cell(g: GapView) -> Callable[[Any], None]:
        def fill(cell: Any) -> None:
            par = cell.paragraphs[0]
            r = par.add_run(g.obligation)
            r.font.size = Pt(8.5)
            extra = f"{g.obligation_id}" + (f" · {g.country_name}" if multi else "")
            r2 = cell.add_paragraph().add_run(extra)
            r2.font.size = Pt(7)
            r2.italic = True
        return fill

    def status_cell(g: GapView) -> Callable[[Any], None]:
        def fill(cell: Any) -> None:
            _shade(cell, g.colour)
            r = cell.paragraphs[0].add_run(g.status_label)
            r.bold = True
            r.font.size = Pt(8.5)
            if g.weak_basis:
                rw = cell.add_paragraph().add_run(f"({t['weak_basis']})")
                rw.font.size = Pt(7.5)
                rw.bold = True
            r2 = cell.add_paragraph().add_run(g.decided_label)
            r2.font.size = Pt(7)
            r2.italic = not g.analyst
            r2.bold = g.analyst
        return fill

    def quotes_cell(g: GapView) -> Callable[[Any], None]:
        def fill(cell: Any) -> None:
            first = True
            for q in g.quotes:
                par = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                label = f"{t['related']} : " if q.related and m.lang == "fr" else (
                    f"{t['related']}: " if q.related else "")
                r = par.add_run(typo(label, m.lang) + q.ref)
                r.bold = True
                r.font.size = Pt(8)
                r2 = par.add_run(f" ({q.locator})")
                r2.font.size = Pt(7)
                if q.related:  # context only: the full text is in the annex
                    continue
                qp = cell.add_paragraph()
                r3 = qp.add_run(quoted(q.short, m.lang))
                r3.font.size = Pt(8)
                r3.italic = q.related
            if first:
                cell.paragraphs[0].add_run(t["none"])
            if g.peer is not None:
                peer_para(cell.add_paragraph(), g)
        return fill

    def peer_para(par: Any, g: GapView) -> None:
        assert g.peer is not None
        r = par.add_run(typo(f"{t['peer']} — {g.peer_label}: ", m.lang))
        r.font.size = Pt(7.5)
        r.italic = True
        r = par.add_run(f"{g.peer.ref} ({g.peer.locator}) ")
        r.font.size = Pt(7.5)
        r.bold = True
        r = par.add_run(quoted(g.peer.short, m.lang))
        r.font.size = Pt(7.5)
        r.italic = True

    for _tid, label, items in m.assessed_by_theme():
        doc.add_heading(label, level=2)
        rows = [[obligation_cell(g), g.article, g.strength, status_cell(g), quotes_cell(g),
                 g.missing or t["none"], g.rationale] + ([g.comment] if m.has_comments else [])
                for g in items]
        _docx_table(doc, header, rows, widths, 8.5)

    groups = m.not_assessable_groups()
    if groups:
        doc.add_heading(f"5. {t['not_assessable_title']}", level=1)
        doc.add_paragraph(t["not_assessable_note"])
        na_header = [t["obligation"], t["article"], t["strength"], t["na_related"]] + (
            [t["analyst_comment"]] if m.has_comments else [])
        na_widths = [8.0, 5.0, 2.0, 10.7] if not m.has_comments else [7.0, 4.5, 2.0, 8.2, 4.0]

        def related_cell(g: GapView) -> Callable[[Any], None]:
            def fill(cell: Any) -> None:
                par = cell.paragraphs[0]
                if not g.quotes:
                    par.add_run(t["none"]).font.size = Pt(8)
                for k, q in enumerate(g.quotes):
                    r = par.add_run(("; " if k else "") + q.ref)
                    r.font.size = Pt(8)
                if g.peer is not None:
                    peer_para(cell.add_paragraph(), g)
            return fill

        for label, items in groups:
            doc.add_heading(typo(f"{t['na_missing_texts']}: {label} ({len(items)} "
                                 f"{t['na_obligations']})", m.lang), level=2)
            rows = [[obligation_cell(g), g.article, g.strength, related_cell(g)]
                    + ([g.comment] if m.has_comments else []) for g in items]
            _docx_table(doc, na_header, rows, na_widths, 8.5)

    # Annex
    doc.add_page_break()
    doc.add_heading(t["annex"], level=1)
    doc.add_paragraph(t["annex_note"])
    for a in m.annex:
        doc.add_heading(f"{a.ref} ({a.key})", level=2)
        meta = doc.add_paragraph()
        r = meta.add_run(typo(
            f"{t['page']} {a.pages or t['none']} · {t['provision_sha']} : {a.checksum} · "
            f"{t['source_sha']} : {a.source_sha256}", m.lang))
        r.font.size = Pt(7.5)
        cited = doc.add_paragraph()
        r = cited.add_run(typo(f"{t['relied_on_by']} : ", m.lang) + ", ".join(a.cited_for))
        r.font.size = Pt(7.5)
        r.italic = True
        for line in a.text.split("\n"):
            if line.strip():
                doc.add_paragraph(line)

    # Footer page numbers
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for s in doc.sections:
        fp = s.footer.paragraphs[0]
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if fp.runs:
            continue
        fp.add_run(f"{m.title} — {t['draft']} — ")
        run = fp.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)
    return _atomic(target, lambda p: doc.save(str(p)))


# ---------------------------------------------------------------------------------------------
# Excel


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("' ")[:31] or "Sheet"
    out, k = base, 2
    while out.lower() in used:
        suffix = f" ({k})"
        out = base[:31 - len(suffix)] + suffix
        k += 1
    used.add(out.lower())
    return out


def write_xlsx(m: ReportModel, target: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    t = m.t
    wb = Workbook()
    used: set[str] = set()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DCE6F0")
    fills = {s: PatternFill("solid", fgColor=c) for s, c in STATUS_COLOURS.items()}
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(ws: Any, r: int, c: int, value: Any) -> Any:
        cell = ws.cell(row=r, column=c)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32000]
            cell.data_type = "s"  # never a formula, even if a text starts with "="
        else:
            cell.value = value
        return cell

    def sheet(ws: Any, header: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float], status_col: int | None = None,
              statuses: Sequence[str] = ()) -> None:
        for c, h in enumerate(header, 1):
            cell = put(ws, 1, c, h)
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = wrap
        for r, values in enumerate(rows, 2):
            for c, v in enumerate(values, 1):
                put(ws, r, c, v).alignment = wrap
            if status_col is not None and r - 2 < len(statuses):
                ws.cell(row=r, column=status_col).fill = fills.get(statuses[r - 2],
                                                                    PatternFill())
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"

    # Summary: theme x status, then totals and scope
    ws = wb.active
    ws.title = _sheet_name(t["sheet_summary"], used)
    slabels = [lab for _, lab, _ in m.statuses]
    rows: list[list[Any]] = [[r["label"], *r["counts"], r["total"]] for r in m.theme_counts]
    rows.append([t["total"], *[n for _, _, n in m.status_counts], len(m.gaps)])
    rows += [[f"{t['scope_col']}: {r['label']}", *r["counts"], r["total"]]
             for r in m.scope_counts]
    sheet(ws, [t["theme"], *slabels, t["total"]], rows, [42] + [14] * 6)
    for c, (s, _, _) in enumerate(m.statuses, 2):
        ws.cell(row=1, column=c).fill = fills[s]

    # Scope: instruments and texts
    ws = wb.create_sheet(_sheet_name(t["sheet_scope"], used))
    rows = [[inst["name"], inst["title"], inst["scope"], pc["country"], pc["status"], pc["date"],
             pc["force"]] for inst in m.instruments for pc in inst["parties"]]
    rows += [[t["analysed"], a["title"], a["id"], a["country"], "", a["date"], ""]
             for a in m.analysed]
    rows += [[t["not_analysed"], a["title"], a["id"], a["country"], "", a["date"], a["why"]]
             for a in m.absent]
    sheet(ws, [t["instrument"], t["document"], t["scope_col"], t["country"], t["party_status"],
               t["party_date"], t["binding"]], rows, [30, 60, 20, 12, 16, 12, 40])

    header = [t["country"], t["obligation_id"], t["obligation"], t["theme"], t["article"],
              t["scope_col"], t["strength"], t["party"], t["status"], t["weak_basis_col"],
              t["decided_by"], t["quotes"], t["eids"], t["missing_elements"],
              t["elements_found"], t["rationale"], t["findings"], t["analyst_comment"],
              t["checksums"]]
    widths = [10, 24, 40, 22, 30, 13, 12, 30, 15, 12, 18, 70, 28, 28, 28, 60, 30, 30, 30]
    if not m.has_comments:
        del header[17], widths[17]

    def gap_rows(items: Sequence[GapView]) -> list[list[Any]]:
        return [[g.country_name, g.obligation_id, g.obligation, g.theme_label, g.article,
                 g.scope_label, g.strength, g.party, g.status_label,
                 t["weak_basis"] if g.weak_basis else "", g.decided_label,
                 "\n\n".join(("(" + t["related"] + ") " if q.related else "") + q.ref + "\n"
                             + quoted(q.short, m.lang) for q in g.quotes),
                 "; ".join(q.locator for q in g.quotes), g.missing, g.found, g.rationale,
                 g.findings, *([g.comment] if m.has_comments else []), g.checksums]
                for g in items]

    for inst_id, name in m.heat_instruments:
        items = [g for g in m.gaps if inst_id in g.instruments]
        ws = wb.create_sheet(_sheet_name(name, used))
        sheet(ws, header, gap_rows(items), widths, 9, [g.status for g in items])
    for _tid, label, items in m.gaps_by_theme():
        ws = wb.create_sheet(_sheet_name(label, used))
        sheet(ws, header, gap_rows(items), widths, 9, [g.status for g in items])

    ws = wb.create_sheet(_sheet_name(t["sheet_annex"], used))
    sheet(ws, [t["document"], t["eids"], t["pages"], t["full_text"], t["provision_sha"],
               t["source_sha"], t["relied_on_by"]],
          [[a.ref, a.key, a.pages, a.text, a.checksum, a.source_sha256, ", ".join(a.cited_for)]
           for a in m.annex], [28, 30, 8, 100, 30, 30, 40])
    return _atomic(target, lambda p: wb.save(str(p)))


# ---------------------------------------------------------------------------------------------
# HTML and PDF


def render_html(m: ReportModel, *, for_print: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = "" if for_print else (TEMPLATES / "report.js").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(
        m=m, t=m.t, css=css, js=js, for_print=for_print, quoted=quoted,
        fmt_typo=lambda s: typo(s, m.lang), generated=m.date)


def write_html(m: ReportModel, target: Path) -> Path:
    html = render_html(m)
    return _atomic(target, lambda p: p.write_text(html, encoding="utf-8"))


def write_pdf(m: ReportModel, target: Path) -> Path:
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render_html(m, for_print=True)
    return _atomic(target, lambda p: HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        str(p)))


WRITERS: dict[str, Callable[[ReportModel, Path], Path]] = {
    "docx": write_docx, "xlsx": write_xlsx, "html": write_html, "pdf": write_pdf}


def write_report(study: Any, out_dir: Path, *, formats: Sequence[str] = FORMATS,
                 lang: str = "fr", peer: bool = False) -> list[Path]:
    """Write report.{docx,xlsx,html,pdf} (English: report.en.docx ...) into `out_dir`."""
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise LexcompareError(f"report formats {unknown}: choose among {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = build_model(study, lang, peer=peer)
    return [WRITERS[f](model, out_dir / report_name(f, lang)) for f in dict.fromkeys(formats)]
