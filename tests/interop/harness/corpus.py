"""The RFC 4475 / RFC 5118 torture corpora and what a UAS must do with each message.

The corpora live outside the repository (``$HOTLINE_SIP_CORPUS``, default
``../shared/corpora`` next to the repository root). Each corpus directory has
``<tag>.dat`` files (one wire message each) and an ``EXPECTED.tsv`` whose
``expected`` column classifies the message. The class gives the default outcome;
``SPECIFIC`` below pins the exact codes where the RFC names one, with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

# Outcome kinds.
SILENCE = "silence"          # a response: the server must send nothing back
CODES = "codes"              # a final response whose code is one of `codes`
NOT_400 = "non-400 final"    # any final response except 400
ANY_FINAL = "any final"      # some final response: 400 or a normal answer, never silence
CODES_OR_SILENCE = "codes or silence"  # if a final response comes, its code is one of `codes`
SURVIVE = "survive"          # no expectation beyond "the server keeps working"


@dataclass(frozen=True)
class Expectation:
    kind: str
    codes: frozenset[int] = frozenset()
    why: str = ""

    def describe(self) -> str:
        if self.kind == CODES:
            return f"final response in {sorted(self.codes)}" + (f" ({self.why})" if self.why else "")
        if self.kind == CODES_OR_SILENCE:
            return f"no answer, or a final response in {sorted(self.codes)}" + (f" ({self.why})" if self.why else "")
        return self.kind + (f" ({self.why})" if self.why else "")


def codes(*values: int, why: str = "") -> Expectation:
    return Expectation(CODES, frozenset(values), why)


OPTIONS_UAS = "OPTIONS to a user this UAS does not serve: 200 (RFC 4475) or 404 (RFC 3261 §11.2: same code as an INVITE)"
REGISTER_AUTH = "registrar with digest auth: 401 challenge for an unknown user, or 200 if accepted"

# Where the RFC (or the message's purpose) names the answer. Tag -> expectation.
SPECIFIC: dict[str, Expectation] = {
    # RFC 4475 §3.1.1 valid messages
    "intmeth": codes(501, why="unknown method, RFC 4475 §3.1.1.2"),
    "esc02": codes(501, why="RE%47IST%45R is not REGISTER, RFC 4475 §3.1.1.5"),
    "lwsdisp": codes(200, 404, why=OPTIONS_UAS),
    "semiuri": codes(200, 404, why=OPTIONS_UAS),
    "transports": codes(200, 404, why=OPTIONS_UAS),
    "escnull": codes(200, 401, why=REGISTER_AUTH),
    "dblreq": codes(200, 401, why=REGISTER_AUTH + "; the trailing INVITE octets are ignored"),
    # RFC 4475 §3.1.2 invalid messages with a mandated code are covered by the class defaults.
    "mismatch02": codes(501, 400, why="RFC 4475 §3.1.2.18: 501 preferred, 400 acceptable"),
    # RFC 4475 §3.2-3.3
    "badbranch": Expectation(ANY_FINAL, why="RFC 4475 §3.2.1: must not break; 400 or RFC 2543 matching"),
    "insuf": Expectation(CODES_OR_SILENCE, frozenset({400}),
                         why="RFC 4475 §3.3.1: no Call-ID/From/To; must not break, ideally 400"),
    "unkscm": codes(416, why="RFC 4475 §3.3.2"),
    "novelsc": codes(416, 404, why="RFC 4475 §3.3.3: 416, or 404 if the scheme is sometimes accepted"),
    "unksm2": codes(400, 401, 404, why="RFC 4475 §3.3.4: registrar rejects a non-SIP To (400); "
                    "a registrar that authenticates first challenges (401) or finds no AOR (404)"),
    "bext01": codes(420, why="RFC 4475 §3.3.5"),
    "invut": codes(415, why="RFC 4475 §3.3.6"),
    "regaut01": codes(200, 401, why="RFC 4475 §3.3.7: registrar ignores the unknown scheme or challenges"),
    "multi01": codes(400, why="RFC 4475 §3.3.8"),
    "zeromf": codes(200, 404, why="RFC 4475 §3.3.11: a UAS processes Max-Forwards: 0 normally (never 483); "
                    + OPTIONS_UAS),
    "cparam01": codes(200, 401, why=REGISTER_AUTH),
    "cparam02": codes(200, 401, why=REGISTER_AUTH),
    "regescrt": codes(200, 401, why=REGISTER_AUTH),
    "sdp01": codes(406, 400, why="RFC 4475 §3.3.15: 406 Not Acceptable or 400"),
    "test": Expectation(SURVIVE, why="extra file of the RFC 4475 archive, no expectation in the RFC"),
    # RFC 5118
    "ipv6-good": codes(200, 401, why=REGISTER_AUTH),
    "port-ambiguous": codes(200, 401, why=REGISTER_AUTH),
    "port-unambiguous": codes(200, 401, why=REGISTER_AUTH),
    "via-received-param-with-delim": codes(481, why="BYE outside any dialog, RFC 5118 §4.5"),
    "via-received-param-no-delim": codes(200, 404, why=OPTIONS_UAS),
    "mult-ip-in-header": codes(481, why="BYE outside any dialog, RFC 5118 §4.7"),
    "ipv6-bug-abnf-3-colons": codes(200, 404, why=OPTIONS_UAS),
    "ipv6-correct-abnf-2-colons": codes(200, 404, why=OPTIONS_UAS),
}


def default_expectation(expected: str) -> Expectation:
    """The outcome implied by EXPECTED.tsv's ``expected`` column alone."""
    e = expected.strip()
    if e == "invalid-response-discard" or "(response)" in e:
        return Expectation(SILENCE, why="a response arriving at a UAS with no matching transaction is discarded")
    if e.startswith("invalid-must-reject-505"):
        return codes(505, why=e)
    if e.startswith("invalid-must-reject-400"):
        return codes(400, why=e)
    if e == "invalid-reject-501-or-400":
        return codes(501, 400, why=e)
    if e.startswith(("invalid-should-reject-400", "invalid-may-reject-400")):
        return Expectation(ANY_FINAL, why=f"{e}: 400 or a normal answer")
    if e.startswith("valid-must-parse"):
        return Expectation(NOT_400, why=e)
    if e.startswith("other"):
        return Expectation(ANY_FINAL, why=e)
    return Expectation(SURVIVE, why=f"unknown class {e!r}")


@dataclass
class CorpusMessage:
    tag: str
    corpus: str
    path: Path
    expected: str
    uas_response: str
    section: str
    expectation: Expectation
    sha256_expected: str | None = None
    notes: list[str] = field(default_factory=list)

    def data(self) -> bytes:
        return self.path.read_bytes()

    def integrity_problem(self) -> str | None:
        if self.sha256_expected is None:
            return None
        actual = hashlib.sha256(self.data()).hexdigest()
        if actual != self.sha256_expected:
            return f"{self.path} does not match its SHA256SUMS entry: the corpus file was modified"
        return None


def corpus_root() -> tuple[Path, str]:
    """The directory to read and how it was chosen."""
    configured = os.environ.get("HOTLINE_SIP_CORPUS")
    if configured:
        return Path(configured), "$HOTLINE_SIP_CORPUS"
    return (REPO_ROOT.parent / "shared" / "corpora").resolve(), "default ../shared/corpora"


def _corpus_dirs(root: Path) -> list[Path]:
    if (root / "EXPECTED.tsv").exists():
        return [root]
    return sorted(p.parent for p in root.glob("*/EXPECTED.tsv"))


def _sha256sums(directory: Path) -> dict[str, str]:
    sums = {}
    path = directory / "SHA256SUMS"
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1].lstrip("*")] = parts[0]
    return sums


def load() -> tuple[list[CorpusMessage], str | None]:
    """(messages, reason they are absent)."""
    root, how = corpus_root()
    if not root.is_dir():
        return [], f"SIP torture corpus not found at {root} ({how}); set HOTLINE_SIP_CORPUS to the corpora directory"
    messages: list[CorpusMessage] = []
    for directory in _corpus_dirs(root):
        sums = _sha256sums(directory)
        with open(directory / "EXPECTED.tsv", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        listed = set()
        for row in rows:
            tag = row["tag"].strip()
            listed.add(tag)
            path = directory / f"{tag}.dat"
            expectation = SPECIFIC.get(tag) or default_expectation(row.get("expected", ""))
            messages.append(CorpusMessage(
                tag=tag, corpus=directory.name, path=path, expected=row.get("expected", ""),
                uas_response=row.get("uas_response", ""), section=row.get("section", ""),
                expectation=expectation, sha256_expected=sums.get(path.name),
            ))
        for path in sorted(directory.glob("*.dat")):
            if path.stem not in listed:
                messages.append(CorpusMessage(
                    tag=path.stem, corpus=directory.name, path=path, expected="(not in EXPECTED.tsv)",
                    uas_response="", section="", expectation=Expectation(SURVIVE, why="not listed in EXPECTED.tsv"),
                    sha256_expected=sums.get(path.name),
                ))
    if not messages:
        return [], f"no EXPECTED.tsv under {root} ({how})"
    return messages, None
