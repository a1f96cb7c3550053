"""Gap analysis: per obligation and country, covered / partial / missing / conflicting / not
assessable, with the provisions relied on (exact quotes), the elements found and missing, and a
rationale in French and English.

A wrong "covered" is the worst error this module can make, so "covered" needs every element of
the obligation found in binding national text; similarity alone never makes an obligation covered.
Every judgement keeps the evidence it was derived from (`Gap.evidence`) so it can be replayed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from . import penalties as pen
from .match import MatchConfig
from .model import Alignment, Evidence, Provision

Status = Literal["covered", "partial", "missing", "conflicting", "not_assessable"]
STATUSES: tuple[Status, ...] = ("covered", "partial", "missing", "conflicting", "not_assessable")
STATUS_LABELS = {
    "fr": {"covered": "couverte", "partial": "partielle", "missing": "manquante",
           "conflicting": "en conflit", "not_assessable": "non évaluable"},
    "en": {"covered": "covered", "partial": "partial", "missing": "missing",
           "conflicting": "conflicting", "not_assessable": "not assessable"},
}

INSTRUMENT_SHORT = {
    "un-palermo-2000": ("Protocole de Palerme", "Palermo Protocol"),
    "un-untoc-2000": ("Convention de Palerme (CTO)", "UNTOC"),
    "un-smuggling-2000": ("Protocole contre le trafic illicite de migrants", "Smuggling Protocol"),
    "un-crc-1989": ("CDE", "CRC"),
    "un-opsc-2000": ("Protocole facultatif à la CDE (vente d'enfants)", "OPSC"),
    "un-cedaw-1979": ("CEDEF", "CEDAW"),
    "un-iccpr-1966": ("PIDCP", "ICCPR"),
    "ilo-c029-1930": ("Convention OIT n° 29", "ILO C29"),
    "ilo-p029-2014": ("Protocole OIT de 2014 (P29)", "ILO P29"),
    "ilo-c105-1957": ("Convention OIT n° 105", "ILO C105"),
    "ilo-c138-1973": ("Convention OIT n° 138", "ILO C138"),
    "ilo-c182-1999": ("Convention OIT n° 182", "ILO C182"),
    "ilo-c189-2011": ("Convention OIT n° 189", "ILO C189"),
    "lon-slavery-1926": ("Convention de 1926 relative à l'esclavage", "1926 Slavery Convention"),
    "un-suppslavery-1956": ("Convention supplémentaire de 1956", "1956 Supplementary Convention"),
    "au-achpr-1981": ("Charte africaine (CADHP)", "African Charter (ACHPR)"),
    "au-maputo-2003": ("Protocole de Maputo", "Maputo Protocol"),
    "ecowas-treaty-1993": ("Traité révisé de la CEDEAO", "Revised ECOWAS Treaty"),
    "ao-accord-multilateral-traite-enfants-2005": ("Accord multilatéral de 2005 (Afrique de "
                                                   "l'Ouest)", "2005 West-Africa Agreement"),
    "cedeao-ceeac-accord-multilateral-traite-personnes-2006": ("Accord CEDEAO-CEEAC de 2006",
                                                               "2006 ECOWAS-ECCAS Agreement"),
    "acrwc-1990": ("Charte africaine des droits et du bien-être de l'enfant", "ACRWC"),
    "ecowas-declaration-2001": ("Déclaration de la CEDEAO de 2001", "2001 ECOWAS Declaration"),
    "ohchr-principles-2002": ("Principes recommandés du HCDH", "OHCHR Recommended Principles"),
    "unodc-model-law-2009": ("Loi type de l'ONUDC", "UNODC Model Law"),
}
# The kinds of national text that carry obligations (obligations.CARRIERS), as a reader says them.
CARRIER_LABELS = {
    "penal_code": ("code pénal", "penal code"),
    "tip_law": ("loi contre la traite", "anti-trafficking law"),
    "children_code": ("code de l'enfant", "children's code"),
    "criminal_procedure_code": ("code de procédure pénale", "code of criminal procedure"),
    "labour_code": ("code du travail", "labour code"),
    "constitution": ("constitution", "constitution"),
    "decree": ("décret", "decree"),
    "policy": ("politique ou plan d'action", "policy or action plan"),
}
QUOTE_CHARS = 300  # short quote in tables; the annex carries the full text


# Soft-law texts are cited by principle, guideline or plan rather than by article.
_SOFT_LAW_UNITS = {"principle": ("principe", "principle"), "guideline": ("directive", "guideline")}


def eid_label(eid: str, lang: str = "fr") -> str:
    """'art_6__para_3__point_b' -> 'art. 6(3)(b)'; 'art_499__al_2' -> 'art. 499, al. 2';
    'guideline_8' -> 'directive 8'. An id it cannot read is shown as it is, never dropped."""
    parts = eid.split("__")
    out = ""
    for part in parts:
        kind, _, num = part.partition("_")
        if kind == "art":
            out += f"art. {num}"
        elif kind in ("para", "point"):
            out += f"({num})"
        elif kind == "al":
            out += f", al. {num}" if lang == "fr" else f", para. {num}"
        elif kind == "preamble":
            out += "préambule" if lang == "fr" else "preamble"
        elif kind in _SOFT_LAW_UNITS:
            out += f"{_SOFT_LAW_UNITS[kind][lang != 'fr']} {num}"
        elif part == "plan_of_action":
            out += "plan d'action" if lang == "fr" else "plan of action"
        else:
            return eid
    return out


def instrument_label(instrument_id: str, eid: str = "", lang: str = "fr") -> str:
    fr, en = INSTRUMENT_SHORT.get(instrument_id, (instrument_id, instrument_id))
    name = fr if lang == "fr" else en
    return f"{name}, {eid_label(eid, lang)}" if eid else name


@dataclass(frozen=True, slots=True)
class Quote:
    """A national provision a judgement rests on, quoted exactly."""

    document_id: str
    eid: str
    number: str
    pages: tuple[int, ...]
    text: str  # the provision's full text, exact
    checksum: str  # sha256 of text
    source_sha256: str  # of the source file
    score: float = 0.0

    @property
    def short(self) -> str:
        return self.text if len(self.text) <= QUOTE_CHARS else self.text[:QUOTE_CHARS] + " […]"


@dataclass(frozen=True, slots=True)
class Gap:
    country: str
    obligation_id: str
    theme: str
    label_fr: str
    label_en: str
    instrument_id: str  # first source instrument
    instrument_eid: str
    sources: tuple[str, ...]  # every "instrument#eid" it rests on
    scope: str  # international | regional
    soft_law: bool
    strength: str  # mandatory | optional
    binding: bool  # country is party to at least one source instrument
    party: str  # e.g. "un-palermo-2000: party 2004-11-09"
    status: Status
    quotes: tuple[Quote, ...]
    elements_found: tuple[str, ...]
    missing_elements: tuple[str, ...]
    findings: tuple[str, ...]  # conflicts and flags, bilingual "fr / en"
    rationale_fr: str
    rationale_en: str
    evidence: tuple[Evidence, ...] = ()
    decided_by: str = "machine"
    related: tuple[Quote, ...] = ()  # provisions shown beside a not-assessable judgement
    absent_texts: tuple[str, ...] = ()  # ids of the known texts, not analysed, that would carry it
    findings_fr: tuple[str, ...] = ()  # the same findings, one language each (for reports)
    findings_en: tuple[str, ...] = ()
    weak_basis: bool = False  # a partial whose quoted article is probably unrelated (GapConfig)

    @property
    def national_eids(self) -> tuple[str, ...]:
        return tuple(f"{q.document_id}#{q.eid}" for q in self.quotes)


@dataclass(frozen=True, slots=True)
class CountryContext:
    """What the gap analysis must know about one country's side of a study."""

    country: str
    documents: Mapping[str, str]  # analysed national doc id -> short name ("Code pénal 2018")
    carriers: frozenset[str]  # carriers present among the analysed texts
    absent: Sequence[tuple[str, str, str, frozenset[str]]]  # (id, short_fr, short_en, carriers)
    party: Callable[[str], tuple[bool, str]]  # instrument id -> (binding, label)
    source_sha: Mapping[str, str] = field(default_factory=dict)
    doc_carriers: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GapConfig:
    threshold: float = 0.40  # alignment score from which a provision is considered relevant
    # ... and from which it may carry a "covered": the matcher's own decision threshold, so a
    # "covered" never rests on what the matcher would not call a match. At 0.50, 4 of Benin's
    # 34 "covered" rested on articles the gold does not name (benchmarks/bench_gaps.py), e.g.
    # a child-marriage offence for "a child is anyone under 18".
    cover_threshold: float = field(default_factory=lambda: MatchConfig().threshold)
    max_quotes: int = 3
    related_quotes: int = 2
    # A "partial" whose first quote scores under this, or sits off the obligation's subject, is
    # marked as resting on a weak basis: in three blind audits of Benin's judgements, 27 of the
    # 35 such partials quoted an article the reviewers called unrelated (19 of the other 48).
    weak_basis_score: float = 0.55


# Themes close enough that a provision tagged with one can carry an obligation of the other.
RELATED_THEMES = {
    "definition": {"criminalisation", "child_trafficking"},
    "criminalisation": {"definition", "penalties", "child_trafficking"},
    "penalties": {"criminalisation", "aggravating_circumstances"},
    "child_trafficking": {"sale_of_children", "definition", "criminalisation"},
    "sale_of_children": {"child_trafficking"},
    "slavery_servitude": {"forced_labour", "debt_bondage"},
    "forced_labour": {"slavery_servitude", "child_labour"},
    "child_labour": {"forced_labour"},
    "extradition": {"international_cooperation", "mutual_legal_assistance"},
    "mutual_legal_assistance": {"international_cooperation"},
    "international_cooperation": {"extradition", "mutual_legal_assistance"},
    "victim_assistance": {"victim_identification", "compensation"},
}
# Obligations judged on the penalty the analysed texts attach to trafficking (penalties.py):
# stringency, fine in lieu of prison, commensurability with rape; and, for children, the
# consistency of child-trafficking penalties across codes.
MIN_ELEMENTS_FOR_COVERED = 2
TIP_PENALTY_CHECKS = frozenset({"tip.criminalisation.offence", "untoc.penalties.gravity",
                                "sl.ohchr.penalties", "reg.ec2006.prosecute"})
CHILD_PENALTY_CHECKS = frozenset({"chd.opsc.penalties", "reg.ao2005.criminalise"})
# Obligations under these instruments, or on these themes, concern children only: a children's
# code can meet them in full. Every other obligation protects all persons, and a provision that
# reaches children only meets it in part (the classic gap of a child-trafficking law with no
# offence of trafficking in adults).
CHILD_INSTRUMENTS = frozenset({"un-crc-1989", "un-opsc-2000", "ilo-c138-1973", "ilo-c182-1999",
                               "acrwc-1990", "ao-accord-multilateral-traite-enfants-2005"})
CHILD_THEMES = frozenset({"child_trafficking", "sale_of_children", "child_labour"})


# ---------------------------------------------------------------------------------------------
# Element and conflict detection


ElementFinder = Callable[[object, Sequence[Provision]], Mapping[tuple[str, str], set[str]]]


def find_elements(obligation: object, provisions: Sequence[Provision]
                  ) -> dict[tuple[str, str], set[str]]:
    """For each provision (doc, eid): the element ids of `obligation` whose cues it contains."""
    from .cues import CueMatcher

    spec = obligation.cue_spec()  # type: ignore[attr-defined]
    if not spec or not provisions:
        return {}
    matcher = _matcher(obligation.id, CueMatcher, spec)  # type: ignore[attr-defined]
    out: dict[tuple[str, str], set[str]] = {}
    by_lang: dict[str, list[Provision]] = {}
    for p in provisions:
        by_lang.setdefault(p.language, []).append(p)
    for lang, provs in by_lang.items():
        for p, hits in zip(provs, matcher.find_many([p.text for p in provs], lang), strict=True):
            out[(p.document_id, p.eid)] = {h.cue_id for h in hits}
    return out


_MATCHERS: dict[str, object] = {}


def _matcher(key: str, cls: type, spec: Mapping[str, object]) -> object:
    if key not in _MATCHERS:
        _MATCHERS[key] = cls(spec)
    return _MATCHERS[key]


_CHILD_AGE_RE = re.compile(
    r"(?:entend\s+par\s+\W{0,3}\s*(?:enfant|mineur)|(?:enfant|mineur)\s*\W{0,3}\s*:\s*(?:toute|tout)"
    r"|est\s+(?:un\s+)?enfant|considérée?\s+comme\s+(?:un\s+)?(?:enfant|mineur))"
    r"[^.;]{0,160}?moins\s+de\s+(?:[a-zé\-]+\s+)?\(?(\d{1,2})\)?\s+ans",
    re.IGNORECASE,
)
_CONSENT_DEFENCE_RE = re.compile(
    r"consentement[^.;]{0,120}(?:exon[èé]re|fait\s+obstacle|exclut\s+la\s+responsabilit|"
    r"[ée]teint\s+l.action)", re.IGNORECASE)
_SMUGGLING_RE = re.compile(r"trafic\s+illicite\s+de\s+migrants|entrée\s+illégale|"
                           r"passage\s+clandestin|smuggling", re.IGNORECASE)
_TRAFFICKING_RE = re.compile(r"\btraite\b|trafficking", re.IGNORECASE)
_RAPE_RE = re.compile(r"\bviol\b", re.IGNORECASE)
# The article that punishes trafficking itself ("La traite des personnes est punie de...",
# "Quiconque se livre à la traite d'enfants encourt..."), not one that merely mentions it.
_TIP_OFFENCE_RE = re.compile(
    r"\btraite\s+(?:des\s+personnes|d['’]\s*enfants?|des\s+enfants)\s+(?:est|sont)\s+puni"
    r"|(?:se\s+livre|s['’]est\s+livr[ée]e?)\s+à\s+la\s+traite(?:\s+(?:des\s+personnes"
    r"|d['’]\s*enfants?|des\s+enfants))?", re.IGNORECASE)
_CHILD_RE = re.compile(r"enfant|mineur", re.IGNORECASE)
# Trafficking named for children ("traite d'enfants") and for persons in general.
_CHILD_TRAFFICKING_RE = re.compile(
    r"\btraite\s+(?:d['’]\s*enfants?|des\s+enfants|de\s+mineurs?|des\s+mineurs)", re.IGNORECASE)
# A rule whose subject is the child: "Aucun enfant de nationalité étrangère ne peut entrer..."
_CHILD_SUBJECT_RE = re.compile(
    r"^\W*(?:aucun|toute?|l['’]|les?|une?)\s*(?:enfants?|mineure?s?)\b", re.IGNORECASE)
_PERSON_TRAFFICKING_RE = re.compile(
    r"\btraite\s+(?:des|de)\s+(?:personnes|êtres\s+humains)|\btrafficking\s+in\s+persons",
    re.IGNORECASE)


def for_children(obligation: object) -> bool:
    """The obligation concerns children only (a provision on children can meet it in full)."""
    o = obligation
    return (o.theme in CHILD_THEMES  # type: ignore[attr-defined]
            or all(s.instrument in CHILD_INSTRUMENTS for s in o.sources)  # type: ignore[attr-defined]
            # "victims, especially children" protects all: only an id naming children counts
            or "child" in o.id)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ScopeLimit:
    """Why a provision holding every element still reaches less than the obligation asks."""

    finding_fr: str
    finding_en: str
    clause_fr: str  # completes "X contient les éléments requis (...), mais ..."
    clause_en: str


CHILDREN_ONLY = ScopeLimit(
    "portée limitée aux enfants (l'obligation protège toute personne, adultes compris)",
    "reach limited to children (the obligation protects all persons, adults included)",
    "sa portée est limitée aux enfants, alors que l'obligation protège toute personne, adultes "
    "compris", "its reach is limited to children, whereas the obligation protects all persons, "
    "adults included")
INTERNATIONAL_CRIMES_ONLY = ScopeLimit(
    "faits réprimés seulement comme crime contre l'humanité ou crime de guerre (l'obligation "
    "les vise en toutes circonstances)", "conduct punished only as a crime against humanity or "
    "a war crime (the obligation covers it in all circumstances)",
    "il ne réprime ces faits que comme crime contre l'humanité ou crime de guerre, alors que "
    "l'obligation les vise en toutes circonstances", "it punishes the conduct only as a crime "
    "against humanity or a war crime, whereas the obligation covers it in all circumstances")
LEGAL_PERSONS_ONLY = ScopeLimit(
    "règle propre aux personnes morales (l'obligation vise aussi les personnes physiques)",
    "a rule for legal persons only (the obligation also covers natural persons)",
    "il ne vise que la responsabilité des personnes morales, alors que l'obligation vise aussi "
    "les personnes physiques", "it addresses only the liability of legal persons, whereas the "
    "obligation also covers natural persons")
# "Les personnes morales pour le compte desquelles une infraction de vente d'enfants ... a été
# commise" names the offences but punishes only companies (Benin penal code art. 504)
_LEGAL_PERSONS_RE = re.compile(r"^\W*(?:les|toute|la)\s+personnes?\s+morales?\b", re.IGNORECASE)
# "réduction en esclavage" listed among crimes against humanity needs a widespread or systematic
# attack on civilians; among war crimes, an armed conflict.
_INTERNATIONAL_CRIME_RE = re.compile(
    r"crimes?\s+contre\s+l['’]humanité|crimes?\s+de\s+guerre|attaque\s+généralisée"
    r"|attaque\s+lancée\s+contre\s+(?:une|la)\s+population\s+civile",
    re.IGNORECASE)


def scope_limit(obligation: object, p: Provision, doc_carriers: frozenset[str] | None
                ) -> ScopeLimit | None:
    """What keeps `p` from meeting `obligation` in full although it holds every element."""
    if _INTERNATIONAL_CRIME_RE.search(p.text):
        return INTERNATIONAL_CRIMES_ONLY
    if (_LEGAL_PERSONS_RE.search(p.text)
            and obligation.theme != "liability_legal_persons"):  # type: ignore[attr-defined]
        return LEGAL_PERSONS_ONLY
    if not for_children(obligation) and children_only(p, doc_carriers):
        return CHILDREN_ONLY
    return None


def children_only(p: Provision, doc_carriers: frozenset[str] | None) -> bool:
    """The provision reaches children only: it sits in a children's code, its rule opens on
    the child, or it names the trafficking of children and never trafficking in persons."""
    if doc_carriers is not None and "children_code" in doc_carriers:
        return True
    if _CHILD_SUBJECT_RE.search(p.text):
        return True
    return bool(_CHILD_TRAFFICKING_RE.search(p.text)) and not _PERSON_TRAFFICKING_RE.search(p.text)


def child_age_definitions(provisions: Sequence[Provision]) -> list[tuple[Provision, int]]:
    """Definitions of 'child' / 'minor' with the age limit they set."""
    return [(p, int(m.group(1))) for p in provisions for m in _CHILD_AGE_RE.finditer(p.text)]


def child_age_conflicts(provisions: Sequence[Provision]) -> list[tuple[Provision, int]]:
    """Definitions of 'child' that stop below 18 (the Palermo 3(d) / CRC 1 threshold)."""
    return [(p, age) for p, age in child_age_definitions(provisions) if age < 18]


# ---------------------------------------------------------------------------------------------
# The judgement


def assess(obligations: Sequence[object], alignments: Sequence[Alignment],
           provisions: Mapping[tuple[str, str], Provision], ctx: CountryContext, *,
           config: GapConfig = GapConfig(), elements: ElementFinder = find_elements,
           all_provisions: Sequence[Provision] = (),
           themes: Mapping[tuple[str, str], Sequence[str]] | None = None) -> list[Gap]:
    """One Gap per obligation for the country in `ctx`.

    `alignments`: the matcher's ranked candidates (national side restricted to ctx.documents);
    `provisions`: (doc, eid) -> Provision for every national article; `all_provisions`: the
    national provisions searched by the cross-cutting checks (child age, penalties of rape...).
    """
    by_obl: dict[str, list[Alignment]] = {}
    for a in alignments:
        if a.national_id in ctx.documents:
            by_obl.setdefault(a.obligation_id, []).append(a)
    searched = all_provisions or list(provisions.values())
    offences = _trafficking_offences(searched)
    penalty_notes = _penalty_findings(offences, searched, ctx)
    # The articles that punish trafficking in persons itself: what a criminalisation or penalty
    # obligation rests on, whatever the matcher's score (see `_assess_one`)
    person_offences = {(p.document_id, p.eid) for p, _, child in offences if not child}
    age_conflicts = child_age_conflicts(searched)
    gaps = []
    for o in obligations:
        cands = sorted(by_obl.get(o.id, []), key=lambda a: a.rank)  # type: ignore[attr-defined]
        gaps.append(_assess_one(o, cands, provisions, ctx, config, elements, penalty_notes,
                                age_conflicts, themes or {}, person_offences))
    return gaps


def _quote(p: Provision, ctx: CountryContext, score: float) -> Quote:
    return Quote(p.document_id, p.eid, p.number, p.pages, p.text, p.checksum,
                 ctx.source_sha.get(p.document_id, ""), round(score, 3))


def _on_topic(theme: str, provision_themes: Sequence[str]) -> bool:
    return theme in provision_themes or bool(RELATED_THEMES.get(theme, set()) &
                                              set(provision_themes))


def _assess_one(o, cands: list[Alignment], provisions, ctx: CountryContext, config: GapConfig,
                elements: ElementFinder, penalty_notes, age_conflicts, themes,  # noqa
                person_offences: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset()
                ) -> Gap:

    evidence: list[Evidence] = []
    findings: list[tuple[str, str]] = []  # (fr, en)
    bindings = [ctx.party(s.instrument) for s in o.sources]
    binding = any(b for b, _ in bindings)
    party = "; ".join(f"{s.instrument}: {label}" for s, (_, label) in zip(o.sources, bindings,
                                                                          strict=True))
    relevant = [a for a in cands if a.score >= config.threshold
                and (a.national_id, a.national_eid) in provisions]
    rel_provs = [provisions[(a.national_id, a.national_eid)] for a in relevant]
    scores = {(a.national_id, a.national_eid): a.score for a in relevant}
    element_ids = [e.id for e in o.elements]
    found_by_prov = elements(o, rel_provs) if element_ids else {}
    # Quote the provisions that carry elements first, then the best-scored ones.
    def key(p: Provision) -> tuple[str, str]:
        return (p.document_id, p.eid)

    def complete(p: Provision) -> bool:
        return bool(element_ids) and set(element_ids) <= found_by_prov.get(key(p), set())

    def on_topic(p: Provision) -> bool:
        return _on_topic(o.theme, themes.get(key(p), ()))

    def right_kind_of_text(p: Provision) -> bool:
        # A committee is created by decree, a residence permit by immigration law: a penal-code
        # article that happens to use the words does not carry such an obligation.
        kinds = ctx.doc_carriers.get(p.document_id)
        return kinds is None or bool(kinds & set(o.carriers))

    def punishes(p: Provision) -> bool:
        # A penalty obligation rests on an article that states a penalty, for one of the
        # offences it names: "réduction en esclavage" listed among crimes against humanity,
        # with "emprisonnement" as another listed act, is not a severe penalty for slavery.
        if o.theme != "penalties":
            return True
        if pen.extract_penalties(p.text).empty:
            return False
        offences = set(getattr(o, "offences", ()) or ())
        return not offences or bool(offences & set(themes.get(key(p), ())))

    def strong_enough(p: Provision) -> bool:
        # The article punishing trafficking in persons itself is found by an explicit rule
        # (`_TIP_OFFENCE_RE`): for the obligations judged on that penalty it may carry a
        # "covered" the matcher ranked just under its threshold.
        return scores[key(p)] >= config.cover_threshold or (
            o.id in TIP_PENALTY_CHECKS and key(p) in person_offences)

    # Quote first the provisions that carry every element on the obligation's subject, then
    # those carrying the most elements, then the best scored.
    ordered = sorted(rel_provs, key=lambda p: (not (complete(p) and on_topic(p)),
                                               -len(found_by_prov.get(key(p), ())),
                                               -scores[key(p)]))
    # One cue word is too thin a basis for "covered": single-element obligations stop at
    # "partial, to be confirmed" (an analyst can confirm them in the review store).
    could_carry = [p for p in ordered if complete(p) and on_topic(p) and right_kind_of_text(p)
                   and punishes(p) and strong_enough(p)] \
        if len(element_ids) >= MIN_ELEMENTS_FOR_COVERED else []
    # A provision of narrower reach (children only, crimes against humanity only) does not
    # meet the obligation in full.
    limits = {key(p): lim for p in could_carry
              if (lim := scope_limit(o, p, ctx.doc_carriers.get(p.document_id)))}
    limited = [p for p in could_carry if key(p) in limits]
    carrier = next((p for p in could_carry if key(p) not in limits), None)
    if carrier is not None and scores[key(carrier)] < config.cover_threshold:
        evidence.append(Evidence(
            "offence-rule", f"{carrier.document_id}#{carrier.eid} punishes trafficking in persons "
            f"itself; matcher score {scores[key(carrier)]:.3f} < {config.cover_threshold}"))
    for p in limited:
        evidence.append(Evidence("scope-limit", f"{p.document_id}#{p.eid}: "
                                 f"{limits[key(p)].finding_en}"))
    if carrier is None:
        for lim in dict.fromkeys(limits.values()):  # one finding per reason
            ps = [p for p in limited if limits[key(p)] is lim][:3]
            findings.append(("; ".join(_ref(p, ctx, "fr") for p in ps) + " : " + lim.finding_fr,
                             "; ".join(_ref(p, ctx, "en") for p in ps) + ": " + lim.finding_en))
    carrying = [p for p in ordered if found_by_prov.get((p.document_id, p.eid))] if element_ids \
        else ordered
    # the provision a "covered" rests on is quoted first; failing it, the limited one
    first = carrier if carrier is not None else limited[0] if limited else None
    limit = limits.get(key(first)) if first is not None and carrier is None else None
    if first is not None:
        carrying = [first, *(p for p in carrying if p is not first)]
    quotes = tuple(_quote(p, ctx, scores[(p.document_id, p.eid)])
                   for p in carrying[:config.max_quotes])
    found = set().union(*(found_by_prov.get((q.document_id, q.eid), set()) for q in quotes)) \
        if quotes else set()
    missing = [e for e in element_ids if e not in found]
    for a in cands[:3]:
        evidence.append(Evidence("alignment", f"{a.national_id}#{a.national_eid} rank {a.rank}",
                                 a.score))
    for q in quotes:
        f = sorted(found_by_prov.get((q.document_id, q.eid), ()))
        evidence.append(Evidence("elements", f"{q.document_id}#{q.eid}: {', '.join(f) or '-'}"))

    absent_carriers = [a for a in ctx.absent if a[3] & set(o.carriers)]
    carried_here = bool(set(o.carriers) & ctx.carriers)
    labels = {e.id: e for e in o.elements}

    def names(ids: Sequence[str], lang: str) -> str:
        return ", ".join(labels[i].label(lang) for i in ids)

    # Conflicts: a national rule that cuts against the obligation.
    conflicts: list[tuple[str, str]] = []
    if o.theme in ("definition", "child_trafficking") and "18" in (o.label_en + o.id) or \
            o.id.endswith("child_under_18"):
        for p, age in age_conflicts:
            conflicts.append((f"{_ref(p, ctx, 'fr')} définit l'enfant comme âgé de moins de "
                              f"{age} ans (au lieu de 18)",
                              f"{_ref(p, ctx, 'en')} defines a child as under {age} "
                              "(instead of 18)"))
    for q in quotes:
        if "consent" in o.id and _CONSENT_DEFENCE_RE.search(q.text):
            conflicts.append((f"{_ref_q(q, ctx, 'fr')} admet le consentement de la victime comme "
                              "cause d'exonération", f"{_ref_q(q, ctx, 'en')} accepts the "
                              "victim's consent as a defence"))
        if (o.theme == "definition" and _TRAFFICKING_RE.search(q.text)
                and _SMUGGLING_RE.search(q.text)):
            conflicts.append((f"{_ref_q(q, ctx, 'fr')} confond traite et trafic illicite de "
                              "migrants dans une même infraction", f"{_ref_q(q, ctx, 'en')} "
                              "conflates trafficking and migrant smuggling in one offence"))
    penalty_flag: dict[str, list[tuple[str, str]]] | None = None
    if o.id in TIP_PENALTY_CHECKS:
        penalty_flag = {k: v for k, v in penalty_notes.items() if k != "child_flags"}
    elif o.id in CHILD_PENALTY_CHECKS:
        penalty_flag = {"flags": penalty_notes.get("child_flags", []), "conflicts": [],
                        "stringent": []}
    if penalty_flag is not None:
        conflicts.extend(penalty_flag.get("conflicts", []))
        findings.extend(penalty_flag.get("flags", []))
    findings.extend(conflicts)

    # Status, in order of precedence.
    if not carried_here and absent_carriers and not conflicts:
        status: Status = "not_assessable"
    elif conflicts:
        status = "conflicting"
    elif not quotes:
        status = "missing"
    elif carrier is None:
        # Elements missing, scattered over several provisions, or found only in a provision
        # that is not about the obligation's subject: never "covered" on that basis.
        status = "partial"
    elif penalty_flag is not None and penalty_flag.get("flags"):
        status = "partial"
    elif o.theme == "penalties" and pen.fine_in_lieu(pen.extract_penalties(carrier.text)):
        # The sanction the obligation asks for may be replaced by a fine: not adequate.
        status = "partial"
        note = (f"{_ref(carrier, ctx, 'fr')} permet de remplacer la peine privative de liberté "
                f"par une amende", f"{_ref(carrier, ctx, 'en')} allows a fine instead of "
                "imprisonment")
        findings.append(note)
        penalty_flag = {"flags": [note], "conflicts": [], "stringent": []}
    else:
        status = "covered"
    if status == "missing" and absent_carriers:
        # Nothing in the texts analysed, but a known text that would carry it is absent: the
        # honest answer is "not assessable", never "missing".
        status = "not_assessable"
    evidence.append(Evidence("status", f"carriers={sorted(o.carriers)} present="
                             f"{carried_here} absent={[a[0] for a in absent_carriers]} "
                             f"missing={missing} conflicts={len(conflicts)}"))

    related: tuple[Quote, ...] = ()
    if status == "not_assessable":
        related = tuple(_quote(provisions[(a.national_id, a.national_eid)], ctx, a.score)
                        for a in cands[:config.related_quotes]
                        if (a.national_id, a.national_eid) in provisions and a.score > 0)
    scattered = status == "partial" and not missing and len(element_ids) >= \
        MIN_ELEMENTS_FOR_COVERED
    single = status == "partial" and not missing and len(element_ids) == 1
    basis = ("limited" if scattered and limit is not None else
             "scattered" if scattered else "single" if single else "")
    fr, en = _rationale(o, status, quotes, related, [e for e in element_ids if e in found],
                        missing, names, absent_carriers, ctx, conflicts, binding, penalty_flag,
                        basis, limit)
    # quotes[0] is carrying[0], quoted
    weak = status == "partial" and bool(quotes) and (
        quotes[0].score < config.weak_basis_score or not on_topic(carrying[0]))
    if weak:
        evidence.append(Evidence("weak-basis", f"{quotes[0].document_id}#{quotes[0].eid}: score "
                                 f"{quotes[0].score:.3f} (< {config.weak_basis_score}?) or off "
                                 f"the theme {o.theme}", quotes[0].score))
        fr += (" Fondement fragile : l'article cité pourrait être sans rapport avec "
               "l'obligation (score bas ou autre sujet) ; à vérifier avant de s'y fier.")
        en += (" Weak basis: the article quoted may be unrelated to the obligation (low score or "
               "another subject); check it before relying on it.")
    return Gap(
        country=ctx.country, obligation_id=o.id, theme=o.theme, label_fr=o.label_fr,
        label_en=o.label_en, instrument_id=o.sources[0].instrument,
        instrument_eid=o.sources[0].eid, sources=tuple(s.ref for s in o.sources), scope=o.scope,
        soft_law=o.soft_law, strength=o.strength, binding=binding, party=party, status=status,
        quotes=quotes if status != "not_assessable" else (),
        elements_found=tuple(e for e in element_ids if e in found),
        missing_elements=tuple(missing) if status != "not_assessable" else (),
        findings=tuple(f"{f} / {e}" for f, e in findings), rationale_fr=fr, rationale_en=en,
        evidence=tuple(evidence),
        related=related, absent_texts=tuple(a[0] for a in absent_carriers),
        findings_fr=tuple(f[0] for f in findings), findings_en=tuple(f[1] for f in findings),
        weak_basis=weak,
    )


def _ref(p: Provision, ctx: CountryContext, lang: str) -> str:
    return f"{ctx.documents.get(p.document_id, p.document_id)}, {eid_label(p.eid, lang)}"


def _ref_q(q: Quote, ctx: CountryContext, lang: str) -> str:
    return f"{ctx.documents.get(q.document_id, q.document_id)}, {eid_label(q.eid, lang)}"


def _rationale(o, status, quotes, related, found, missing, names, absent_carriers, ctx,  # noqa
               conflicts, binding, penalty_flag, basis, limit=None) -> tuple[str, str]:
    src_fr = "; ".join(instrument_label(s.instrument, s.eid, "fr") for s in o.sources[:3])
    src_en = "; ".join(instrument_label(s.instrument, s.eid, "en") for s in o.sources[:3])
    refs_fr = "; ".join(_ref_q(q, ctx, "fr") for q in quotes)
    refs_en = "; ".join(_ref_q(q, ctx, "en") for q in quotes)
    several = len(quotes) > 1

    def agree(singular: str, plural: str) -> str:  # the verb whose subject is the quotes
        return plural if several else singular

    docs_fr = ", ".join(ctx.documents.values())
    optional = o.strength == "optional"
    bind_fr = "" if binding else (" L'État n'étant pas partie (ou sa participation n'étant pas "
                                  "vérifiée) à l'instrument source, celui-ci sert de référence.")
    bind_en = "" if binding else (" The State is not (or not verifiably) a party to the source "
                                  "instrument, which is used as a benchmark.")
    if o.soft_law:
        bind_fr += " Norme non contraignante (soft law), citée comme référence."
        bind_en += " Soft-law standard, cited as a benchmark."
    if status == "not_assessable":
        abs_fr = ", ".join(a[1] for a in absent_carriers)
        abs_en = ", ".join(a[2] for a in absent_carriers)
        rel_fr = "; ".join(_ref_q(q, ctx, "fr") for q in related)
        rel_en = "; ".join(_ref_q(q, ctx, "en") for q in related)
        fr = (f"Non évaluable : {abs_fr} non analysé(e)s. Le texte qui porte normalement cette "
              f"obligation ({src_fr}) ne figure pas parmi les textes analysés ; son absence ne "
              "signifie pas une lacune du droit national.")
        en = (f"Not assessable: {abs_en} not analysed. The national text that would normally "
              f"carry this obligation ({src_en}) is not among the texts analysed; its absence "
              "does not mean a gap in national law.")
        if related:
            fr += f" Dispositions connexes relevées dans les textes analysés : {rel_fr}."
            en += f" Related provisions found in the texts analysed: {rel_en}."
    elif status == "conflicting":
        fr = ("En conflit : " + " ; ".join(c[0] for c in conflicts) +
              f". Obligation issue de {src_fr}.")
        en = ("Conflicting: " + "; ".join(c[1] for c in conflicts) +
              f". Obligation under {src_en}.")
    elif status == "missing":
        if optional:
            fr = (f"Mesure facultative ({src_fr}) : aucune disposition des textes analysés "
                  f"({docs_fr}) ne la prévoit ; son absence n'est pas un manquement mais une "
                  "piste d'amélioration.")
            en = (f"Optional measure ({src_en}): no provision of the texts analysed provides for "
                  "it; its absence is not a breach but a possible improvement.")
        else:
            fr = (f"Manquante : aucune disposition des textes analysés ({docs_fr}) ne met en "
                  f"œuvre cette obligation impérative ({src_fr}).")
            en = (f"Missing: no provision of the texts analysed implements this mandatory "
                  f"obligation ({src_en}).")
        if not (set(o.carriers) & ctx.carriers):
            kinds = [CARRIER_LABELS.get(c, (c, c)) for c in o.carriers]
            fr += (" Cette matière relève d'ordinaire d'un autre type de texte "
                   f"({', '.join(k[0] for k in kinds)}), hors du champ des textes analysés.")
            en += (" The matter is usually governed by another type of text "
                   f"({', '.join(k[1] for k in kinds)}), outside the texts analysed.")
    elif status == "partial":
        if missing:
            fr = (f"Partielle : {refs_fr} {agree('reprend', 'reprennent')} "
                  f"{names(found, 'fr') or 'une partie'} mais ne "
                  f"{agree('mentionne', 'mentionnent')} pas {names(missing, 'fr')} ({src_fr}).")
            en = (f"Partial: {refs_en} {agree('covers', 'cover')} "
                  f"{names(found, 'en') or 'part of it'} but {agree('does', 'do')} not "
                  f"mention {names(missing, 'en')} ({src_en}).")
        elif penalty_flag and penalty_flag.get("flags"):
            fr = (f"Partielle : {refs_fr} {agree('incrimine', 'incriminent')} les faits, "
                  "mais " + " ; ".join(f[0].rstrip(".") for f in penalty_flag["flags"]) + ".")
            en = (f"Partial: {refs_en} {agree('criminalises', 'criminalise')} the "
                  "conduct, but "
                  + "; ".join(f[1].rstrip(".") for f in penalty_flag["flags"]) + ".")
        elif basis == "single":
            fr = (f"Partielle, à confirmer : {refs_fr} {agree('mentionne', 'mentionnent')} "
                  f"{names(found, 'fr')} "
                  f"({src_fr}), mais un seul indice textuel ne suffit pas à établir que "
                  "l'obligation est remplie ; une lecture juridique doit confirmer.")
            en = (f"Partial, to be confirmed: {refs_en} {agree('mentions', 'mention')} "
                  f"{names(found, 'en')} "
                  f"({src_en}), but a single textual cue is not enough to establish that the "
                  "obligation is met; legal review must confirm.")
        elif basis == "limited":  # the first quote holds every element, within a narrower reach
            fr = (f"Partielle : {_ref_q(quotes[0], ctx, 'fr')} contient les éléments requis "
                  f"({names(found, 'fr')}) par {src_fr}, mais {limit.clause_fr}.")
            en = (f"Partial: {_ref_q(quotes[0], ctx, 'en')} contains the required elements "
                  f"({names(found, 'en')}) of {src_en}, but {limit.clause_en}.")
        elif basis == "scattered":
            fr = (f"Partielle, à confirmer : les éléments requis ({names(found, 'fr')}) "
                  f"apparaissent dans {refs_fr}, mais aucune disposition ne les réunit toutes sur "
                  f"l'objet de l'obligation ({src_fr}) ; une lecture juridique doit confirmer.")
            en = (f"Partial, to be confirmed: the required elements ({names(found, 'en')}) appear "
                  f"in {refs_en}, but no single provision on the obligation's subject brings "
                  f"them together ({src_en}); legal review must confirm.")
        else:
            fr = (f"À confirmer : {refs_fr} {agree('traite', 'traitent')} de la question "
                  f"({src_fr}), mais l'outil ne "
                  "peut vérifier des éléments précis ; une analyse juridique est nécessaire.")
            en = (f"To be confirmed: {refs_en} {agree('addresses', 'address')} the matter "
                  f"({src_en}), but the tool has "
                  "no element-level check for it; legal review is needed.")
    else:  # the first quote is the provision that carries every element (see _assess_one)
        fr = (f"Couverte : {_ref_q(quotes[0], ctx, 'fr')} contient les éléments requis "
              f"({names(found, 'fr')}) par {src_fr}, dans un texte contraignant.")
        en = (f"Covered: {_ref_q(quotes[0], ctx, 'en')} contains the required elements "
              f"({names(found, 'en')}) of {src_en}, in binding law.")
        if several:
            fr += " Voir aussi : " + "; ".join(_ref_q(q, ctx, "fr") for q in quotes[1:]) + "."
            en += " See also: " + "; ".join(_ref_q(q, ctx, "en") for q in quotes[1:]) + "."
        if penalty_flag and penalty_flag.get("stringent"):
            fr += " " + " ".join(x[0] for x in penalty_flag["stringent"])
            en += " " + " ".join(x[1] for x in penalty_flag["stringent"])
    if status in ("partial", "covered") and absent_carriers:
        fr += (" Les textes non analysés (" + ", ".join(a[1] for a in absent_carriers) +
               ") pourraient compléter cette appréciation.")
        en += (" The texts not analysed (" + ", ".join(a[2] for a in absent_carriers) +
               ") may complete this assessment.")
    if optional and status != "missing":
        fr += " (Mesure facultative.)"
        en += " (Optional measure.)"
    return fr + bind_fr, en + bind_en


# ---------------------------------------------------------------------------------------------
# Penalties: stringency, fine in lieu, commensurability with rape, consistency across codes


def _offence_provisions(provisions: Sequence[Provision], rx: re.Pattern[str]
                        ) -> list[tuple[Provision, pen.OffencePenalties]]:
    out = []
    for p in provisions:
        if p.level != "article" or not rx.search(p.text):
            continue
        op = pen.extract_penalties(p.text)
        if any(x.custodial or x.kind == pen.AMENDE for x in op.principal_base):
            out.append((p, op))
    return out


def _trafficking_offences(provisions: Sequence[Provision]
                          ) -> list[tuple[Provision, pen.OffencePenalties, bool]]:
    """The articles punishing trafficking itself: (article, penalties, children only?)."""
    return [(p, op, bool(_CHILD_RE.search(m.group())))
            for p, op in _offence_provisions(provisions, _TRAFFICKING_RE)
            if (m := _TIP_OFFENCE_RE.search(p.text))]


def _penalty_findings(offences: Sequence[tuple[Provision, pen.OffencePenalties, bool]],
                      provisions: Sequence[Provision], ctx: CountryContext
                      ) -> dict[str, list[tuple[str, str]]]:
    """Findings about the penalties for trafficking in the analysed national texts."""
    notes: dict[str, list[tuple[str, str]]] = {"flags": [], "conflicts": [], "stringent": [],
                                               "child_flags": []}
    if not offences:
        return notes
    adult = [(p, op) for p, op, child in offences if not child]
    child = [(p, op) for p, op, is_child in offences if is_child]
    p, op = adult[0] if adult else child[0]
    if not adult:
        notes["flags"].append((
            f"seule la traite des enfants est punie ({_ref(p, ctx, 'fr')}) ; la traite des "
            "adultes n'est pas incriminée dans les textes analysés",
            f"only child trafficking is punished ({_ref(p, ctx, 'en')}); trafficking in adults "
            "is not an offence in the texts analysed"))
    if pen.fine_in_lieu(op):
        notes["conflicts"].append((
            f"{_ref(p, ctx, 'fr')} permet de ne prononcer qu'une amende pour la traite",
            f"{_ref(p, ctx, 'en')} allows a fine alone for trafficking"))
    ok, why = pen.is_stringent(op)
    desc_fr = " ; ".join(pen.describe(x, "fr") for x in op.principal_base)
    desc_en = "; ".join(pen.describe(x, "en") for x in op.principal_base)
    if ok:
        notes["stringent"].append((f"Peine ({_ref(p, ctx, 'fr')}) : {desc_fr}, jugée suffisamment "
                                   "sévère.", f"Penalty ({_ref(p, ctx, 'en')}): {desc_en}, judged "
                                   "sufficiently stringent."))
    else:
        notes["flags"].append((f"la peine ({_ref(p, ctx, 'fr')} : {desc_fr}) n'est pas assez "
                               f"sévère ({why})", f"the penalty ({_ref(p, ctx, 'en')}: {desc_en})"
                               f" is not stringent enough ({why})"))
    rapes = [(r, rop) for r, rop in _offence_provisions(provisions, _RAPE_RE)
             if r.document_id == p.document_id and re.search(r"\bviol\b[^.]{0,40}(?:est|sera)\s+"
                                                            r"puni", r.text, re.I)]
    if rapes:
        r, rop = rapes[0]
        if pen.compare(op, rop) < 0:
            notes["flags"].append((
                f"elle est moins sévère que celle du viol ({_ref(r, ctx, 'fr')})",
                f"it is less severe than the penalty for rape ({_ref(r, ctx, 'en')})"))
        else:
            notes["stringent"].append((
                f"Elle est au moins égale à celle du viol ({_ref(r, ctx, 'fr')}).",
                f"It is at least equal to the penalty for rape ({_ref(r, ctx, 'en')})."))
    # Same conduct, different codes: child trafficking in two documents.
    docs = {}
    for c, cop in child:
        docs.setdefault(c.document_id, (c, cop))
    if len(docs) > 1:
        (a, aop), (b, bop) = list(docs.values())[:2]
        note = pen.inconsistent(aop, bop, _ref(a, ctx, "fr"), _ref(b, ctx, "fr"))
        if note:
            fr, _, en = note.partition(" / ")
            notes["child_flags"].append((f"traite des enfants : {fr[0].lower()}{fr[1:]}",
                                         f"child trafficking: {en[0].lower()}{en[1:]}"))
    return notes
