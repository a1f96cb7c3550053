"""Penalties provided by a French-language penal provision, tied to source offsets.

`extract_penalties(text)` reads one article (or any slice of a legal text) and returns the
penalties it provides: imprisonment (emprisonnement), réclusion / détention criminelle (à temps
or à perpétuité), travaux forcés (old codes), fines with their amounts and currency, and the
complementary penalties that carry a duration (interdiction de séjour, inéligibilité, ...).

Every `Penalty` keeps `start`/`end` into the text it was given and `quote == text[start:end]`;
a penalty that applies only under a condition (aggravating circumstance, recidivism, alternative
case) carries that condition as the exact source wording.

Reading rules (documented because reviewers will ask):
- durations are read from the figure in brackets when there is one ("cinq (05) ans" -> 5 years,
  "deux cent cinquante (250.000)" -> 250 000: Beninese drafting treats the figure as the
  authoritative value), else from the words ("deux mois", "quinze jours");
- durations are stored in months (float: days count 1/30 month, weeks 7/30);
- a single term ("un emprisonnement de cinq (05) ans") is stored as min == max, as written;
- "ou", "et/ou", "ou de l'une de ces deux peines (seulement)" -> `fine_alternative=True`;
- a duration with no penalty word is imprisonment only after a punishing verb ("est puni de
  deux (02) ans à cinq (05) ans") - ages and time limits ("mineur de quinze (15) ans", "dans un
  délai de dix (10) ans") are never read as penalties;
- "la peine est portée au double" in a recidivism sentence sets `recidivism_doubling`; any other
  doubling sentence adds doubled copies of the base penalties to `aggravated`, with its condition;
- when every penalty of the text is conditioned (e.g. two destinations, each with its range), the
  least severe one(s) form the base and keep their condition.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "COMPLEMENTARY",
    "CUSTODIAL_KINDS",
    "MIN_STRINGENT_MONTHS",
    "OffencePenalties",
    "Penalty",
    "compare",
    "describe",
    "extract_penalties",
    "fine_in_lieu",
    "inconsistent",
    "is_stringent",
    "severity",
]

# Kind ids (ASCII, stable); `describe` renders them the way a lawyer writes them.
EMPRISONNEMENT = "emprisonnement"
RECLUSION = "reclusion"
DETENTION = "detention"
TRAVAUX_FORCES = "travaux_forces"
AMENDE = "amende"
COMPLEMENTARY = "complementaire"
CUSTODIAL_KINDS = (EMPRISONNEMENT, RECLUSION, DETENTION, TRAVAUX_FORCES)
PRINCIPAL_KINDS = (*CUSTODIAL_KINDS, AMENDE)
# Criminal (afflictive) custody above correctional imprisonment when the terms are equal.
_KIND_RANK = {
    TRAVAUX_FORCES: 4,
    RECLUSION: 3,
    DETENTION: 3,
    EMPRISONNEMENT: 2,
    AMENDE: 1,
    COMPLEMENTARY: 0,
}

# Floor used by `is_stringent`: a minimum of 4 years' imprisonment. Reviewers speak of "several
# years' imprisonment" as the floor for trafficking (UNODC, OHCHR commentary; the US TIP report's
# "sufficiently stringent"); 4 years is the figure UNTOC art. 2(b) uses to define a "serious
# crime" (there as a *maximum* of at least four years). Using it on the *minimum* is deliberately
# stricter: a range whose floor is below it lets a court impose a short sentence.
MIN_STRINGENT_MONTHS = 48


@dataclass(frozen=True, slots=True)
class Penalty:
    """One penalty clause: custody and/or fine, with the condition it applies under."""

    kind: str  # emprisonnement, reclusion, detention, travaux_forces, amende, complementaire
    min_months: float | None = None
    max_months: float | None = None
    life: bool = False
    fine_min: int | None = None
    fine_max: int | None = None
    currency: str | None = None  # "FCFA", "GNF", "francs" (not specified)
    fine_alternative: bool = False  # the fine may replace the custodial sentence
    condition: str | None = None  # exact source wording; None = base penalty
    start: int = 0
    end: int = 0
    quote: str = ""

    @property
    def custodial(self) -> bool:
        return self.kind in CUSTODIAL_KINDS

    @property
    def has_fine(self) -> bool:
        return self.fine_min is not None or self.fine_max is not None


@dataclass(frozen=True, slots=True)
class OffencePenalties:
    base: list[Penalty] = field(default_factory=list)
    aggravated: list[Penalty] = field(default_factory=list)
    recidivism_doubling: bool = False

    @property
    def empty(self) -> bool:
        return not self.base and not self.aggravated and not self.recidivism_doubling

    @property
    def principal_base(self) -> list[Penalty]:
        return [p for p in self.base if p.kind in PRINCIPAL_KINDS]


# --------------------------------------------------------------------------------------------
# Numbers

_UNITS = {
    "zero": 0, "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60,
}  # fmt: skip
_MULT = {"mille": 1000, "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9}

_NUMWORD = (
    r"(?:z[ée]ro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze"
    r"|quinze|seize|vingts?|trente|quarante|cinquante|soixante|cents?|mille|millions?|milliards?)"
)
_FIG = r"\(\s*\d[\d .,\u00a0\u202f]*\)"
_BARE = r"\d(?:[\d.]|\s(?=\d{3}\b))*(?!\d)"
_TOK = rf"(?:{_FIG}|{_BARE}|\b{_NUMWORD}\b)"
_QTY = rf"{_TOK}(?:(?:[\s\-]+(?:et[\s\-]+)?|(?<=\))|(?=\())(?:{_TOK}))*"
_TOKEN_RE = re.compile(rf"{_FIG}|{_BARE}|\b{_NUMWORD}\b")


def _words_value(words: list[str]) -> int | None:
    if not words:
        return None
    total = current = 0
    prev = ""
    for w in words:
        if w in _UNITS:
            v = _UNITS[w]
            if v == 20 and prev == "quatre":  # quatre-vingt(s)
                current += 80 - 4
            else:
                current += v
        elif w in ("cent", "cents"):
            current = (current or 1) * 100
        elif w in _MULT:
            total += (current or 1) * _MULT[w]
            current = 0
        prev = w
    return total + current


def _digits(tok: str) -> int | None:
    d = re.sub(r"\D", "", tok)
    return int(d) if d else None


def _qty_value(s: str) -> int | None:
    """Value of a quantity run: the bracketed/bare figure wins over the words."""
    toks = [m.group(0) for m in _TOKEN_RE.finditer(s)]
    fig_idx = [i for i, t in enumerate(toks) if t[0].isdigit() or t[0] == "("]
    if not fig_idx:
        words: list[str] = []
        for t in toks:
            words.extend(x for x in re.split(r"[\s\-]+", t) if x)
        return _words_value(words)
    i = fig_idx[-1]
    value = _digits(toks[i])
    if value is None:
        return None
    for t in toks[i + 1 :]:  # "un (01) million" -> 1 * 10**6
        if t in _MULT:
            value *= _MULT[t]
    return value


# --------------------------------------------------------------------------------------------
# Expressions

_DUR_UNIT = r"(?:ans?|ann[ée]es?|mois|jours?|semaines?)\b"
_CUR = r"(?:(?:de\s+)?(?:francs?\s+(?:cfa|fcfa|guin[ée]ens)|f\.?\s?cfa|fcfa|gnf|francs?)\b)"
_DE = r"(?:\bentre\s+|\bde\s+|\bd')?"
_MAXP = (
    r"(?:n'exc[ée]dant\s+pas|ne\s+(?:pouvant|pourra|peut)\s+(?:pas\s+)?exc[ée]der|exc[ée]der"
    r"|(?:allant\s+)?jusqu'(?:à|au)|au\s+maximum\s+de|au\s+plus\s+de)"
)
_MINP = r"(?:inf[ée]rieure?s?\s+à|d'au\s+moins|au\s+moins\s+de|au\s+moins)"


def _patterns(unit: str) -> list[tuple[str, re.Pattern[str]]]:
    q = _QTY
    return [
        ("between", re.compile(
            rf"inf[ée]rieure?s?\s+à\s+(?P<a>{q})\s*(?P<ua>{unit})\s+ni\s+sup[ée]rieure?s?\s+à\s+"
            rf"(?P<b>{q})\s*(?P<ub>{unit})")),
        ("range", re.compile(
            rf"{_DE}(?P<a>{q})\s*(?P<ua>{unit})\s+au\s+moins\s*,?\s*et\s+(?:de\s+|d')?"
            rf"(?P<b>{q})\s*(?P<ub>{unit})\s+au\s+plus")),
        ("range", re.compile(
            rf"{_DE}(?P<a>{q})\s*(?P<ua>{unit})?\s*(?:au\s+moins\s+)?à\s+"
            rf"(?P<b>{q})\s*(?P<ub>{unit})")),
        ("max", re.compile(rf"{_MAXP}\s+(?P<b>{q})\s*(?P<ub>{unit})")),
        ("max", re.compile(rf"{_DE}(?P<b>{q})\s*(?P<ub>{unit})\s+au\s+plus")),
        ("min", re.compile(rf"{_DE}(?P<a>{q})\s*(?P<ua>{unit})\s+au\s+moins")),
        ("min", re.compile(rf"{_MINP}\s+(?P<a>{q})\s*(?P<ua>{unit})")),
        ("single", re.compile(rf"{_DE}(?P<a>{q})\s*(?P<ua>{unit})")),
    ]  # fmt: skip


_DUR_PATTERNS = _patterns(_DUR_UNIT)
_AMT_PATTERNS = _patterns(_CUR)


def _months(value: int, unit: str) -> float:
    if unit.startswith("an"):
        return float(value * 12)
    if unit.startswith("mois"):
        return float(value)
    if unit.startswith("semaine"):
        return round(value * 7 / 30, 3)
    return round(value / 30, 3)  # jours


def _currency(cur: str) -> str:
    c = cur.replace(".", "")
    if "cfa" in c:
        return "FCFA"
    if "gnf" in c or "guin" in c:
        return "GNF"
    return "francs"


@dataclass(slots=True)
class _Expr:
    kind: Literal["dur", "amt"]
    start: int
    end: int
    lo: float | int | None
    hi: float | int | None
    currency: str | None = None


def _find_exprs(norm: str, patterns: list[tuple[str, re.Pattern[str]]], kind: str) -> list[_Expr]:
    taken: list[tuple[int, int]] = []
    out: list[_Expr] = []
    for form, pat in patterns:
        for m in pat.finditer(norm):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            gd = m.groupdict()
            ub = gd.get("ub")
            ua = gd.get("ua") or ub
            a = _qty_value(gd["a"]) if gd.get("a") else None
            b = _qty_value(gd["b"]) if gd.get("b") else None
            if (gd.get("a") and a is None) or (gd.get("b") and b is None):
                continue
            if kind == "dur":
                lo = _months(a, ua) if a is not None and ua else None
                hi = _months(b, ub) if b is not None and ub else None
                cur = None
            else:
                lo, hi = a, b
                cur = _currency(ub or ua or "")
            if form == "single":
                hi = lo
            taken.append((s, e))
            out.append(_Expr("dur" if kind == "dur" else "amt", s, e, lo, hi, cur))
    return sorted(out, key=lambda x: x.start)


# --------------------------------------------------------------------------------------------
# Anchors, triggers, sentences

_CUSTODY_WORD = (
    r"(?P<k>emprisonne-?\s*ment|r[ée]clusion|d[ée]tention\s+criminelle|travaux\s+forc[ée]s)"
)
_ANCHOR_RE = re.compile(rf"\b(?:{_CUSTODY_WORD}|(?P<f>amendes?)\b)")
_COMPL_RE = re.compile(
    r"\b(?:interdi(?:ts?|tes?|ction)\s+de\s+s[ée]jour|in[ée]ligibilit[ée]"
    r"|priv[ée]e?s?\s+des\s+droits|interdiction|interdite?s?|d[ée]ch[ée]ance|fermeture"
    r"|exclusion\s+des\s+march[ée]s"
    r"|surveillance\s+judiciaire|suspension\s+du\s+permis)"
)
_LIFE_RE = re.compile(
    r"\b(?P<k>r[ée]clusion|d[ée]tention|travaux\s+forc[ée]s)(?:\s+criminelle)?\s+(?:à|a)\s+"
    r"perp[ée]tuit[ée]"
)
_GLUE_RE = re.compile(
    r"[\s,]*(?:(?:criminelle|correctionnelle|ferme|à\s+temps|temporaire|est\s+port[ée]e"
    r"|sont\s+port[ée]es|de|d')[\s,]*)*"
)
_KIND_AFTER_RE = re.compile(rf"\s*(?:d'|de\s+(?:la\s+)?){_CUSTODY_WORD}")
_FINE_AFTER_RE = re.compile(r"\s*d'amende\b")
_VERB_BEFORE_RE = re.compile(
    r"(?:\bpuni(?:e|s|es)?|\bpassibles?|\bencour(?:t|ent|ra|ront)|\bcondamn[ée]e?s?"
    r"|\bport[ée]e?s?)\s+(?:de|d'|à)?\s*:?\s*$"
)
_CONNECT_RE = re.compile(r"[\s,]*(et/ou|et|ou)(?:\s|d'|de\b|l'|la\b|à\b|une?\b|peines?\b|,)*")
_ALT_AFTER_RE = re.compile(
    r"\s*,?\s*(?:ou|et/ou)\s+(?:de\s+)?l'une\s+(?:ou\s+l'autre\s+)?de\s+ces\s+(?:deux\s+)?"
    r"peines(?:\s+seulement)?"
)
_TRIGGER_RE = re.compile(
    r"\b(?:lorsqu(?:e\b|')|quand\b|si\b|s'ils?\b|en\s+cas\s+d(?:e\b|')|dans\s+le\s+cas\s+contraire"
    r"|dans\s+(?:tous\s+)?les?\s+cas\s+o[uù]\b|la\s+r[ée]cidive\b)"
)
_NOT_TRIGGER_RE = re.compile(r"\s*(?:échet|y\s+a\s+lieu|besoin\s+est)")
_DOUBLE_RE = re.compile(r"\bau\s+double\b|\bdoubl[ée]e?s?\b")
_RECID_RE = re.compile(r"r[ée]cidive|nouvelle\s+infraction")
_ENUM_LINE_RE = re.compile(r"[ \t]*(?:\d+\s*[.)°]|[a-z]\)|[-–•])")


def _normalise(text: str) -> str:
    """Same-length, lower-case copy with typographic apostrophes made plain."""
    out = []
    for ch in text:
        if ch in "\u2019\u2018\u02bc\u00b4`":
            out.append("'")
            continue
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def _sentences(text: str) -> list[tuple[int, int]]:
    cuts = [0]
    for m in re.finditer(r"\n|\.\s+(?=[A-ZÀ-Ý«\"])", text):
        cuts.append(m.end())
    cuts.append(len(text))
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]


@dataclass(slots=True)
class _Part:
    kind: str
    start: int
    end: int
    lo: float | None = None
    hi: float | None = None
    life: bool = False
    fine_lo: int | None = None
    fine_hi: int | None = None
    currency: str | None = None

    @property
    def is_fine(self) -> bool:
        return self.kind == AMENDE


def _custody_kind(word: str) -> str:
    if word.startswith("empris"):
        return EMPRISONNEMENT
    if word.startswith("r"):
        return RECLUSION
    if word.startswith("d"):
        return DETENTION
    return TRAVAUX_FORCES


def _parts(norm: str, sent: tuple[int, int]) -> list[_Part]:
    s0, s1 = sent
    seg = norm[s0:s1]
    exprs = _find_exprs(seg, _DUR_PATTERNS, "dur") + _find_exprs(seg, _AMT_PATTERNS, "amt")
    lifes = [(m.start() + s0, m.end() + s0, m.group("k")) for m in _LIFE_RE.finditer(seg)]
    exprs = [x for x in exprs if not any(ls - s0 <= x.start < le - s0 for ls, le, _ in lifes)]
    anchors: list[tuple[int, int, str]] = []
    for m in _ANCHOR_RE.finditer(seg):
        kind = _custody_kind(m.group("k")) if m.group("k") else AMENDE
        anchors.append((m.start() + s0, m.end() + s0, kind))
    for m in _COMPL_RE.finditer(seg):
        anchors.append((m.start() + s0, m.end() + s0, COMPLEMENTARY))
    anchors.sort()
    # every extraction boundary, to check that nothing lies between an anchor and its expr
    marks = sorted([x.start + s0 for x in exprs] + [ls for ls, _, _ in lifes])

    parts: list[_Part] = [_Part(_custody_kind(k), ls, le, life=True) for ls, le, k in lifes]
    for x in sorted(exprs, key=lambda e: e.start):
        xs, xe = x.start + s0, x.end + s0
        prev_anchor = None
        for a in anchors:
            if a[1] <= xs:
                prev_anchor = a
        if prev_anchor and any(prev_anchor[1] <= mk < xs for mk in marks):
            prev_anchor = None
        part: _Part | None = None
        if x.kind == "dur":
            after = _KIND_AFTER_RE.match(norm, xe, s1)
            if after:
                part = _Part(_custody_kind(after.group("k")), xs, after.end(), x.lo, x.hi)
            elif (
                prev_anchor
                and prev_anchor[2] in CUSTODIAL_KINDS
                and _GLUE_RE.fullmatch(norm, prev_anchor[1], xs)
            ):
                part = _Part(prev_anchor[2], prev_anchor[0], xe, x.lo, x.hi)
            elif prev_anchor and prev_anchor[2] == COMPLEMENTARY and xs - prev_anchor[1] <= 150:
                part = _Part(COMPLEMENTARY, prev_anchor[0], xe, x.lo, x.hi)
            elif _VERB_BEFORE_RE.search(norm, max(s0, xs - 60), xs) or _bullet_after_verb(
                norm, s0, xs
            ):
                part = _Part(EMPRISONNEMENT, xs, xe, x.lo, x.hi)
        else:
            fine_lo = int(x.lo) if x.lo is not None else None
            fine_hi = int(x.hi) if x.hi is not None else None
            after = _FINE_AFTER_RE.match(norm, xe, s1)
            if after:
                part = _Part(AMENDE, xs, after.end(), fine_lo=fine_lo, fine_hi=fine_hi)
            elif prev_anchor and prev_anchor[2] == AMENDE and xs - prev_anchor[1] <= 200:
                part = _Part(AMENDE, prev_anchor[0], xe, fine_lo=fine_lo, fine_hi=fine_hi)
            else:
                before = [p for p in parts if p.end <= xs and not p.is_fine]
                if before:
                    last = max(before, key=lambda p: p.end)
                    if re.fullmatch(r"[\s,]*(?:et|ou|et/ou)\s*", norm[last.end : xs]):
                        part = _Part(AMENDE, xs, xe, fine_lo=fine_lo, fine_hi=fine_hi)
            if part:
                part.currency = x.currency
        if part:
            parts.append(part)
    parts.sort(key=lambda p: p.start)
    # "six (06) mois au moins, ... excéder dix (10) années d'emprisonnement": one range
    merged: list[_Part] = []
    for p in parts:
        if (
            merged
            and p.kind == merged[-1].kind
            and p.kind in CUSTODIAL_KINDS
            and merged[-1].lo is not None
            and merged[-1].hi is None
            and p.lo is None
            and p.hi is not None
        ):
            merged[-1].hi = p.hi
            merged[-1].end = p.end
            continue
        merged.append(p)
    return merged


def _bullet_after_verb(norm: str, s0: int, xs: int) -> bool:
    """A duration opening a '- ...' item whose list is introduced by 'est puni de :'."""
    line_start = norm.rfind("\n", 0, xs) + 1
    if not re.fullmatch(r"\s*[-–•]\s*(?:de\s+|d')?", norm[line_start:xs]):
        return False
    return bool(re.search(r"puni(?:e|s|es)?\s+de\s*:\s*\n", norm[max(0, line_start - 800) : xs]))


def _triggers(norm: str, s0: int, s1: int) -> list[tuple[int, int]]:
    out = []
    for m in _TRIGGER_RE.finditer(norm, s0, s1):
        if m.group(0).startswith("s") and _NOT_TRIGGER_RE.match(norm, m.end()):
            continue
        out.append((m.start(), m.end()))
    return out


def _clean_cond(text: str, a: int, b: int) -> tuple[int, int]:
    while b > a and text[b - 1] in ' \t\n,;.:»"':
        b -= 1
    for tail in (" et", " ou"):
        if text[a:b].endswith(tail):
            b -= len(tail)
            while b > a and text[b - 1] in " ,":
                b -= 1
    return a, b


def _extend_enum(text: str, end: int) -> int:
    """Condition ending with ':' continues over the enumerated lines that follow."""
    pos = end
    while True:
        nl = text.find("\n", pos)
        if nl == -1:
            return pos
        line_end = text.find("\n", nl + 1)
        line_end = len(text) if line_end == -1 else line_end
        if _ENUM_LINE_RE.match(text, nl + 1) and text[nl + 1 : line_end].strip():
            pos = line_end
        else:
            return pos


# --------------------------------------------------------------------------------------------
# Public verbs


def extract_penalties(text: str) -> OffencePenalties:
    """Penalties provided by `text` (an article or any slice of a French legal text)."""
    norm = _normalise(text)
    base: list[Penalty] = []
    aggravated: list[Penalty] = []
    recidivism = False
    doubling: list[tuple[int, int, tuple[int, int] | None]] = []

    for s0, s1 in _sentences(text):
        parts = _parts(norm, (s0, s1))
        triggers = _triggers(norm, s0, s1)
        if _DOUBLE_RE.search(norm, s0, s1) and not parts:
            if _RECID_RE.search(norm, s0, s1):
                recidivism = True
            else:
                cond = None
                if triggers:
                    cond = _clean_cond(text, triggers[0][0], s1)
                doubling.append((s0, s1, cond))
            continue
        if _DOUBLE_RE.search(norm, s0, s1) and _RECID_RE.search(norm, s0, s1):
            recidivism = True
        # group parts into penalty clauses
        groups: list[list[_Part]] = []
        alts: list[bool] = []
        for p in parts:
            if groups:
                cur = groups[-1]
                between = norm[cur[-1].end : p.start]
                same_class = any((q.is_fine == p.is_fine) or q.kind == COMPLEMENTARY for q in cur)
                conn = _CONNECT_RE.fullmatch(between)
                has_trigger = any(cur[-1].end <= t0 < p.start for t0, _ in triggers)
                if conn and not same_class and p.kind != COMPLEMENTARY and not has_trigger:
                    cur.append(p)
                    if conn.group(1) in ("ou", "et/ou"):
                        alts[-1] = True
                    continue
            groups.append([p])
            alts.append(False)
        spans = []
        for i, g in enumerate(groups):
            end = g[-1].end
            m = _ALT_AFTER_RE.match(norm, end, s1)
            if m and g[0].kind != COMPLEMENTARY:
                alts[i] = True
                end = m.end()
            spans.append((g[0].start, end))
        for i, g in enumerate(groups):
            gs, ge = spans[i]
            prev_end = spans[i - 1][1] if i else s0
            next_start = spans[i + 1][0] if i + 1 < len(groups) else s1
            cond: tuple[int, int] | None = None
            before = [t for t in triggers if prev_end <= t[0] < gs]
            if before:
                t0 = before[0][0]
                comma = text.rfind(",", t0, gs)
                if comma == -1:
                    v = re.search(r"\b(?:est|sont|sera|seront)\s+(?:puni|passible)", norm[t0:gs])
                    comma = t0 + v.start() if v else gs
                cond = _clean_cond(text, t0, comma)
            else:
                after = [t for t in triggers if ge <= t[0] < next_start]
                if after and "sans préjudice" not in norm[ge : after[0][0]]:
                    later = [t for t in triggers if after[0][0] < t[0] < next_start]
                    if i + 1 == len(groups) or later:
                        stop = later[0][0] if later else next_start
                        c_end = _clean_cond(text, after[0][0], stop)[1]
                        if text[c_end:stop].strip().startswith(":"):
                            c_end = _extend_enum(text, stop)
                        cond = _clean_cond(text, after[0][0], c_end)
            pen = _penalty(text, g, alts[i], gs, ge, cond)
            (aggravated if cond else base).append(pen)

    principal_base = [p for p in base if p.kind in PRINCIPAL_KINDS]
    if not principal_base:
        principal_agg = [p for p in aggravated if p.kind in PRINCIPAL_KINDS]
        if principal_agg:
            lowest = min(severity(p) for p in principal_agg)
            moved = [p for p in principal_agg if severity(p) == lowest]
            base = moved + base
            aggravated = [p for p in aggravated if p not in moved]
    for s0, s1, cond in doubling:
        q0, q1 = s0, s1
        while q0 < q1 and text[q0].isspace():
            q0 += 1
        while q1 > q0 and text[q1 - 1].isspace():
            q1 -= 1
        cond_text = text[cond[0] : cond[1]] if cond else text[q0:q1]
        for p in [p for p in base if p.kind in PRINCIPAL_KINDS]:
            aggravated.append(_doubled(p, cond_text, q0, q1, text))
    return OffencePenalties(base, aggravated, recidivism)


def _dbl(v: float | int | None) -> float | int | None:
    return None if v is None else v * 2


def _doubled(p: Penalty, cond: str, start: int, end: int, text: str) -> Penalty:
    fmin, fmax = _dbl(p.fine_min), _dbl(p.fine_max)
    return replace(
        p,
        min_months=_dbl(p.min_months),
        max_months=_dbl(p.max_months),
        fine_min=int(fmin) if fmin is not None else None,
        fine_max=int(fmax) if fmax is not None else None,
        condition=cond,
        start=start,
        end=end,
        quote=text[start:end],
    )


def _penalty(
    text: str, g: list[_Part], alt: bool, start: int, end: int, cond: tuple[int, int] | None
) -> Penalty:
    custody = [p for p in g if p.kind != AMENDE]
    fine = [p for p in g if p.kind == AMENDE]
    c = custody[0] if custody else None
    f = fine[0] if fine else None
    kind = c.kind if c else AMENDE
    return Penalty(
        kind=kind,
        min_months=c.lo if c else None,
        max_months=c.hi if c else None,
        life=bool(c and c.life),
        fine_min=f.fine_lo if f else None,
        fine_max=f.fine_hi if f else None,
        currency=f.currency if f else None,
        fine_alternative=alt and bool(c) and bool(f),
        condition=text[cond[0] : cond[1]] if cond else None,
        start=start,
        end=end,
        quote=text[start:end],
    )


# --------------------------------------------------------------------------------------------
# Gap-analysis helpers

SeverityKey = tuple[int, float, float, int, int, int, int]


def severity(p: Penalty | OffencePenalties) -> SeverityKey:
    """Comparable key: life > longest maximum > highest minimum > criminal over correctional >
    fine cannot replace custody > fine maximum > fine minimum. For an `OffencePenalties` the key
    of its most severe base penalty (principal penalties only)."""
    if isinstance(p, OffencePenalties):
        keys = [severity(x) for x in p.principal_base]
        return max(keys) if keys else (0, -1.0, -1.0, -1, 0, -1, -1)
    if p.kind == COMPLEMENTARY:
        return (0, -1.0, -1.0, 0, 0, -1, -1)
    hi = p.max_months if p.max_months is not None else (p.min_months or -1.0)
    lo = p.min_months if p.min_months is not None else -1.0
    if p.life:
        hi = lo = float("inf")
    return (
        int(p.life),
        float(hi),
        float(lo),
        _KIND_RANK.get(p.kind, 0),
        0 if p.fine_alternative else 1,
        p.fine_max if p.fine_max is not None else (p.fine_min or -1),
        p.fine_min if p.fine_min is not None else -1,
    )


def compare(a: Penalty | OffencePenalties, b: Penalty | OffencePenalties) -> int:
    """-1 if `a` is less severe than `b`, 0 if equally severe, 1 if more severe."""
    ka, kb = severity(a), severity(b)
    return (ka > kb) - (ka < kb)


def fine_in_lieu(op: OffencePenalties) -> bool:
    """True when a base custodial sentence may be replaced by a fine ("ou", "et/ou", "ou de
    l'une de ces deux peines seulement")."""
    return any(p.fine_alternative and p.custodial for p in op.principal_base)


def is_stringent(op: OffencePenalties) -> tuple[bool, str]:
    """Is the base penalty imprisonment, never a fine alone or in lieu, with a minimum of at
    least `MIN_STRINGENT_MONTHS`? Returns (verdict, reason in English)."""
    base = op.principal_base
    if not base:
        return False, "no penalty found in the text"
    for p in base:
        if not p.custodial:
            return False, f"fine only: {describe(p, 'en')}"
        if p.fine_alternative:
            return False, f"a fine may replace imprisonment: {describe(p, 'en')}"
        if p.life:
            continue
        if p.min_months is None:
            return False, f"no minimum term: {describe(p, 'en')}"
        if p.min_months < MIN_STRINGENT_MONTHS:
            return False, (
                f"minimum {_dur(p.min_months, 'en')} is below {MIN_STRINGENT_MONTHS // 12} years: "
                f"{describe(p, 'en')}"
            )
    return True, "imprisonment with a minimum of at least {} years: {}".format(
        MIN_STRINGENT_MONTHS // 12, "; ".join(describe(p, "en") for p in base)
    )


def inconsistent(
    a: OffencePenalties, b: OffencePenalties, a_ref: str = "A", b_ref: str = "B"
) -> str | None:
    """A bilingual note when the same conduct gets different base penalties in `a` and `b`."""
    pa, pb = a.principal_base, b.principal_base
    if not pa or not pb:
        return None
    ra = [_range_key(p) for p in pa]
    rb = [_range_key(p) for p in pb]
    if sorted(ra, key=str) == sorted(rb, key=str):
        return None
    fa = " ; ".join(describe(p, "fr") for p in pa)
    fb = " ; ".join(describe(p, "fr") for p in pb)
    ea = "; ".join(describe(p, "en") for p in pa)
    eb = "; ".join(describe(p, "en") for p in pb)
    order = compare(a, b)
    more_fr = {1: f"{a_ref} est plus sévère", -1: f"{b_ref} est plus sévère", 0: "même gravité"}
    more_en = {1: f"{a_ref} is more severe", -1: f"{b_ref} is more severe", 0: "equal severity"}
    return (
        f"Peines différentes pour les mêmes faits : {fa} ({a_ref}) contre {fb} ({b_ref}) ; "
        f"{more_fr[order]}. / Different penalties for the same conduct: {ea} ({a_ref}) versus "
        f"{eb} ({b_ref}); {more_en[order]}."
    )


def _range_key(p: Penalty) -> tuple[object, ...]:
    return (p.kind, p.min_months, p.max_months, p.life, p.fine_min, p.fine_max, p.fine_alternative)


# --------------------------------------------------------------------------------------------
# Rendering

_KIND_FR = {
    EMPRISONNEMENT: "emprisonnement",
    RECLUSION: "réclusion criminelle",
    DETENTION: "détention criminelle",
    TRAVAUX_FORCES: "travaux forcés",
    COMPLEMENTARY: "peine complémentaire",
}
_KIND_EN = {
    EMPRISONNEMENT: "imprisonment",
    RECLUSION: "criminal imprisonment (réclusion criminelle)",
    DETENTION: "criminal detention (détention criminelle)",
    TRAVAUX_FORCES: "forced labour (travaux forcés)",
    COMPLEMENTARY: "additional penalty",
}


def _num_parts(months: float) -> tuple[int, str]:
    if months >= 12 and float(months) % 12 == 0:
        return int(months // 12), "y"
    if float(months).is_integer():
        return int(months), "m"
    return round(months * 30), "d"


def _unit(n: int, u: str, lang: str) -> str:
    if lang == "fr":
        return {"y": "an" if n == 1 else "ans", "m": "mois", "d": "jour" if n == 1 else "jours"}[u]
    return {"y": "year", "m": "month", "d": "day"}[u] + ("" if n == 1 else "s")


def _dur(months: float, lang: str) -> str:
    n, u = _num_parts(months)
    return f"{n} {_unit(n, u, lang)}"


def _money(v: int, lang: str) -> str:
    s = f"{v:,}"
    return s.replace(",", " ") if lang == "fr" else s


def _dur_range(p: Penalty, lang: str) -> str:
    lo, hi = p.min_months, p.max_months
    fr = lang == "fr"
    if lo is not None and hi is not None:
        if lo == hi:
            return ("de " if fr else "of ") + _dur(lo, lang)
        nlo, ulo = _num_parts(lo)
        nhi, uhi = _num_parts(hi)
        first = str(nlo) if ulo == uhi else _dur(lo, lang)
        return (f"de {first} à " if fr else f"of {first} to ") + _dur(hi, lang)
    if lo is not None:
        return f"d'au moins {_dur(lo, lang)}" if fr else f"of at least {_dur(lo, lang)}"
    if hi is not None:
        return f"de {_dur(hi, lang)} au plus" if fr else f"of up to {_dur(hi, lang)}"
    return ""


def _fine_range(p: Penalty, lang: str) -> str:
    fr = lang == "fr"
    cur = p.currency or ""
    lo, hi = p.fine_min, p.fine_max
    if lo is not None and hi is not None:
        if lo == hi:
            amount = f"{_money(lo, lang)} {cur}"
            return f"amende de {amount}" if fr else f"a fine of {amount}"
        return (
            f"amende de {_money(lo, lang)} à {_money(hi, lang)} {cur}"
            if fr
            else f"a fine of {_money(lo, lang)} to {_money(hi, lang)} {cur}"
        )
    if lo is not None:
        return (
            f"amende d'au moins {_money(lo, lang)} {cur}"
            if fr
            else f"a fine of at least {_money(lo, lang)} {cur}"
        )
    if hi is not None:
        return (
            f"amende de {_money(hi, lang)} {cur} au plus"
            if fr
            else f"a fine of up to {_money(hi, lang)} {cur}"
        )
    return "amende" if fr else "a fine"


def describe(p: Penalty, lang: str = "fr") -> str:
    """Render a penalty the way a lawyer writes it, in French ("fr") or English ("en")."""
    fr = lang == "fr"
    bits: list[str] = []
    if p.kind != AMENDE:
        names = _KIND_FR if fr else _KIND_EN
        if p.life:
            if fr:
                bits.append(f"{names[p.kind]} à perpétuité")
            else:
                bits.append(f"life {names[p.kind].replace('criminal ', '')}")
        else:
            rng = _dur_range(p, lang)
            bits.append(f"{names[p.kind]} {rng}".strip())
    if p.has_fine or p.kind == AMENDE:
        fine = _fine_range(p, lang)
        if bits:
            bits.append(("et " if fr else "and ") + fine)
        else:
            bits.append(fine[0].upper() + fine[1:] if not fr else fine)
    out = " ".join(bits)
    if p.fine_alternative:
        out += ", ou l'une de ces deux peines seulement" if fr else ", or either penalty alone"
    return out
