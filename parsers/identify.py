"""Which form a text is: found from the printed code line and the printed title.

Works on plain text lines so that the Word reader, the PDF text reader and OCR share it.
Titles are printed over several lines ("PHIẾU PHÂN TÍCH CHẤT LƯỢNG" / "VÀ ĐÁNH GIÁ, XẾP LOẠI
ĐẢNG VIÊN"), so consecutive lines are joined and compared loosely (no diacritics, case or
punctuation), but always as whole lines: a sentence that merely mentions a form is not a title.
The same title exists in several rule-set families (2018 and 2023 collective reports…); the code
line ("Mẫu 01-HD KĐ.ĐG 2023") then decides, else the caller's rule set, else the earliest family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from domain.forms import FormCatalog, FormDefinition
from domain.text import fold

# How many consecutive lines a printed title may span.
_MAX_TITLE_LINES = 6
# How far (in lines) a code line may sit above its title: the header table (party committee,
# "ĐẢNG CỘNG SẢN VIỆT NAM", place and date) usually comes between them.
_CODE_WINDOW = 14
# Characters a code line may carry beyond the code itself ("Mẫu số …", a trailing "(mới)").
_CODE_SLACK = 6
# A repeated title of the same form starts a new form only after this many non-empty lines:
# a title repeated in a running header or a caption is not a second form.
_MIN_FORM_LINES = 5
# Read by OCR, a title may come with a letter or two wrong ("VÀ ĐÁNEK| GIÁ"): when nothing matched
# exactly, lines this close to a title (fuzzy ratio of the folded text) are that title, if no other
# title comes near. Short titles are left out: "BẢN KIỂM ĐIỂM CÁ NHÂN" is too close to prose.
_NEAR_TITLE = 93.0
_NEAR_MARGIN = 8.0
_NEAR_MIN_CHARS = 25

# Read by OCR, the word "Mẫu" of a code line comes with its accents as extra letters ("Mâẫu",
# "Mâãu": folded "maau"); the code after it must still be read exactly.
_OCR_MAU = re.compile(r"^m[a-z]{0,2}u ")

_NON_WORD = re.compile(r"[^0-9a-z]+")
_WORD = re.compile(r"[^\W\d_]{3,}")  # a word of three letters or more
_DIGITS = re.compile(r"\d+")
_YEAR_SUFFIX = re.compile(r"^nam \d{4}$")


def _tokens(text: str) -> str:
    """Loose key of a text: folded, punctuation as spaces, single spaces."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def _compact(text: str, *, ocr: bool = False) -> str:
    """Key of a code line: folded, no punctuation or spaces, numbers without leading zeros, and
    without the optional "số" ("Mẫu số 05-HD" is "Mẫu 05-HD"). `ocr` text may spell "Mẫu" with
    extra letters."""
    key = _tokens(text)
    if ocr:
        key = _OCR_MAU.sub("mau ", key)
    key = re.sub(r"^mau so ", "mau ", key)
    key = _DIGITS.sub(lambda m: str(int(m.group())), key)
    return key.replace(" ", "")


def _main_title(title: str) -> str:
    """The title without its bracketed subtitle ("BẢN KIỂM ĐIỂM CÁ NHÂN (Cá nhân …)")."""
    return title.split(" (", 1)[0] if " (" in title else ""


@dataclass(frozen=True)
class FormMatch:
    """One form found in the lines: where it starts and how it was recognised."""

    definition: FormDefinition
    start: int
    title_line: int | None = None
    code_line: int | None = None


@dataclass(frozen=True)
class _TitleHit:
    start: int
    end: int  # exclusive
    candidates: tuple[FormDefinition, ...]


@dataclass
class _Keys:
    """Precomputed keys of a catalog: exact titles, main titles (no subtitle) and codes."""

    titles: dict[str, list[FormDefinition]] = field(default_factory=dict)
    mains: dict[str, list[FormDefinition]] = field(default_factory=dict)
    codes: list[tuple[str, FormDefinition]] = field(default_factory=list)

    @classmethod
    def of(cls, catalog: Iterable[FormDefinition]) -> _Keys:
        keys = cls()
        for d in catalog:
            for title in (d.title, *d.title_aliases):
                keys.titles.setdefault(_tokens(title), []).append(d)
                main = _main_title(title)
                if main:
                    keys.mains.setdefault(_tokens(main), []).append(d)
            if d.code:
                keys.codes.append((_compact(d.code), d))
        return keys


def _code_hits(lines: Sequence[str], keys: _Keys, *, ocr: bool) -> dict[int, list[FormDefinition]]:
    """Lines that are a form's code line: they start with the code and carry little else."""
    hits: dict[int, list[FormDefinition]] = {}
    for i, line in enumerate(lines):
        compact = _compact(line, ocr=ocr)
        if not compact:
            continue
        found = [d for code, d in keys.codes if compact.startswith(code) and len(compact) - len(code) <= _CODE_SLACK]
        if found:
            hits[i] = found
    return hits


def _title_at(lines: Sequence[str], i: int, keys: _Keys) -> _TitleHit | None:
    """The longest title that lines i, i+1, … spell exactly; an exact title beats a main title."""
    best: tuple[tuple[int, int], int, list[FormDefinition]] | None = None
    for end, joined in _joined(lines, i):
        for key in {joined, _strip_year(joined)}:
            for table, rank in ((keys.titles, 1), (keys.mains, 0)):
                found = table.get(key)
                score = (len(key), rank)
                if found and (best is None or score > best[0]):
                    best = (score, end + 1, found)
    if best is None:
        return None
    return _TitleHit(i, best[1], tuple(best[2]))


def _joined(lines: Sequence[str], i: int) -> Iterator[tuple[int, str]]:
    """Lines i, i+1, … joined as keys, as far as a title may span and no further than a blank."""
    joined = ""
    for end in range(i, min(len(lines), i + _MAX_TITLE_LINES)):
        part = _tokens(lines[end])
        if not part:
            return
        joined = f"{joined} {part}".strip()
        yield end, joined


def _strip_year(key: str) -> str:
    """A title line may end with the year ("BẢN KIỂM ĐIỂM CÁ NHÂN NĂM 2018")."""
    words = key.split(" ")
    if len(words) > 2 and _YEAR_SUFFIX.match(" ".join(words[-2:])):
        return " ".join(words[:-2])
    return key


def _title_hits(lines: Sequence[str], keys: _Keys) -> list[_TitleHit]:
    hits: list[_TitleHit] = []
    i = 0
    while i < len(lines):
        hit = _title_at(lines, i, keys)
        if hit is None:
            i += 1
            continue
        hits.append(hit)
        i = hit.end
    return hits


def _families(catalog: Iterable[FormDefinition]) -> list[str]:
    return sorted({d.rule_set for d in catalog if d.rule_set})


def form_family(rule_set: str | None, catalog: Iterable[FormDefinition]) -> str | None:
    """The rule-set family whose forms a rule set uses: itself when the catalog has forms of it,
    else the latest earlier family (2019 has no forms of its own and uses the 2018 ones)."""
    if rule_set is None:
        return None
    families = _families(catalog)
    if rule_set in families:
        return rule_set
    earlier = [f for f in families if f <= rule_set]
    return earlier[-1] if earlier else None


def _choose(
    candidates: Sequence[FormDefinition],
    code_defs: Sequence[FormDefinition],
    family: str | None,
) -> FormDefinition:
    """One definition among equal title matches: the code line's, then the preferred family's,
    then the earliest (the catalog's order: family, then id)."""
    pool = list(candidates)
    code_ids = {d.id for d in code_defs}
    by_code = [d for d in pool if d.id in code_ids]
    if by_code:
        pool = by_code
    by_family = [d for d in pool if family is not None and d.rule_set == family]
    if by_family:
        pool = by_family
    return min(pool, key=lambda d: (d.rule_set or "9999", d.id))


def _pair_code(lines: Sequence[str], title: _TitleHit, codes: dict[int, list[FormDefinition]], used: set[int],
               floor: int) -> int | None:
    """The nearest unused code line above a title, not above the previous form. The window counts
    lines that hold a word: OCR reads specks of a scan's noise as lines of their own ("Đi", "co")."""
    seen = 0
    for j in range(title.start - 1, floor - 1, -1):
        if j in codes and j not in used:
            return j
        seen += bool(_WORD.search(lines[j]))
        if seen >= _CODE_WINDOW:
            return None
    return None


def _code_misread(line: str, candidates: Sequence[FormDefinition], *, ocr: bool) -> list[FormDefinition]:
    """The title's forms whose code OCR read with one character wrong in the code line: a scan's
    "Mẫu 03-HD" read as "Mẫu 05-HD" (a 3 and a 5 differ by a stroke) over Mẫu 03's title, "… XẾP
    LOẠI TỔ CHỨC ĐẢNG", named Mẫu 05 and lost four criteria. A whole title read right is more
    evidence than one digit; a code that differs more (another year) still names its own form."""
    if not ocr:
        return []
    read = _compact(line, ocr=True)
    return [d for d in candidates if d.code and _one_character_off(read, _compact(d.code))]


def _one_character_off(read: str, code: str) -> bool:
    """Whether `read` starts with `code` but for one character in its place."""
    return len(read) >= len(code) and sum(a != b for a, b in zip(read, code, strict=False)) == 1


def find_forms(
    lines: Sequence[str],
    catalog: FormCatalog | Iterable[FormDefinition],
    prefer_rule_set: str | None = None,
    *,
    ocr: bool = False,
) -> list[FormMatch]:
    """Every form printed in the lines, in order, each with the line where it starts. `ocr` lines
    may misspell the word "Mẫu" of a code line, and when they spell no title exactly, they are
    searched for titles spelt nearly right."""
    definitions = list(catalog)
    keys = _Keys.of(definitions)
    family = form_family(prefer_rule_set, definitions)
    codes = _code_hits(lines, keys, ocr=ocr)
    used: set[int] = set()
    matches: list[FormMatch] = []
    floor = 0
    for title in _title_hits(lines, keys):
        j = _pair_code(lines, title, codes, used, floor)
        code_defs = codes.get(j, []) if j is not None else []
        agree = {d.id for d in code_defs} & {d.id for d in title.candidates}
        misread = _code_misread(lines[j], title.candidates, ocr=ocr) if j is not None and not agree else []
        if misread:
            definition = _choose(misread, misread, family)
        elif code_defs and not agree:
            # The code names another form than the title: the code is the more specific of the two.
            definition = _choose(code_defs, code_defs, family)
        else:
            definition = _choose(title.candidates, code_defs, family)
        if j is not None:
            used.add(j)
        matches.append(FormMatch(definition, j if j is not None else title.start, title.start, j))
        floor = title.end
    for j, defs in codes.items():
        # A code alone (the title reworded or missing) names a form only when it is a real form
        # code with a number: "PHỤ LỤC" alone heads many attachments.
        defs = [d for d in defs if _DIGITS.search(d.code)]
        inside = any(m.title_line is not None and m.start < j < m.title_line for m in matches)
        if defs and j not in used and not inside:
            matches.append(FormMatch(_choose(defs, defs, family), j, None, j))
    if not matches:
        matches = _capital_prefix_titles(lines, keys, family)
    if not matches and ocr:
        matches = _near_titles(lines, keys, family)
    matches.sort(key=lambda m: m.start)
    return _drop_repeats(matches, lines)


def _capital_prefix_titles(lines: Sequence[str], keys: _Keys, family: str | None) -> list[FormMatch]:
    """Last resort when nothing matched exactly: a line in capitals that begins with a title and
    goes on ("BIÊN BẢN KIỂM PHIẾU ĐÁNH GIÁ, XẾP LOẠI … NĂM 2018" on one line)."""
    for i, line in enumerate(lines):
        letters = [ch for ch in line if ch.isalpha()]
        if not letters or any(ch.islower() for ch in letters):
            continue
        key = _tokens(line)
        found = [
            (len(title), defs)
            for title, defs in keys.titles.items()
            if len(title.split()) >= 3 and key.startswith(title + " ")
        ]
        if found:
            best = max(found, key=lambda f: f[0])[1]
            return [FormMatch(_choose(best, [], family), i, i, None)]
    return []


def _near_titles(lines: Sequence[str], keys: _Keys, family: str | None) -> list[FormMatch]:
    """Titles misspelt by OCR: the lines whose joined text is nearest a long title, clearly nearer
    to it than to any other, taken best first and never overlapping."""
    titles = [(key, defs) for table in (keys.titles, keys.mains) for key, defs in table.items()
              if len(key) >= _NEAR_MIN_CHARS]
    found: list[tuple[float, int, int, list[FormDefinition]]] = []
    for i in range(len(lines)):
        for end, joined in _joined(lines, i):
            scores = sorted(((fuzz.ratio(joined, key), defs) for key, defs in titles), key=lambda t: -t[0])
            if not scores or scores[0][0] < _NEAR_TITLE:
                continue
            best, defs = scores[0]
            rivals = [score for score, other in scores[1:] if {d.id for d in other} != {d.id for d in defs}]
            if not rivals or rivals[0] <= best - _NEAR_MARGIN:
                found.append((best, i, end + 1, defs))
    taken: list[FormMatch] = []
    spans: list[tuple[int, int]] = []
    for _score, start, end, defs in sorted(found, key=lambda f: -f[0]):
        if all(end <= s or start >= e for s, e in spans):
            spans.append((start, end))
            taken.append(FormMatch(_choose(defs, [], family), start, start, None))
    return taken


def _drop_repeats(matches: list[FormMatch], lines: Sequence[str]) -> list[FormMatch]:
    """A form found again right after itself (a running header, a repeated caption) is one form."""
    kept: list[FormMatch] = []
    for m in matches:
        if kept and kept[-1].definition.id == m.definition.id:
            between = sum(1 for line in lines[kept[-1].start : m.start] if line.strip())
            if between < _MIN_FORM_LINES + _title_span(kept[-1]):
                continue
        kept.append(m)
    return kept


def _title_span(m: FormMatch) -> int:
    if m.title_line is None:
        return 1
    return max(1, m.title_line - m.start + 1)


def identify_form(
    lines: list[str],
    catalog: FormCatalog,
    prefer_rule_set: str | None = None,
) -> FormDefinition | None:
    """The first form printed in the lines, or None when none is recognised."""
    matches = find_forms(lines, catalog, prefer_rule_set)
    return matches[0].definition if matches else None
