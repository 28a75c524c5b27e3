"""HTTP Digest for SIP (RFC 3261 §22.4, RFC 8760 SHA-256), client side only."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

_HASHES = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
}


@dataclass
class Challenge:
    scheme: str
    params: dict[str, str]

    @property
    def algorithm(self) -> str:
        return self.params.get("algorithm", "MD5").upper()

    @property
    def realm(self) -> str | None:
        return self.params.get("realm")

    @property
    def qop_options(self) -> set[str]:
        return {q.strip().lower() for q in self.params.get("qop", "").split(",") if q.strip()}


_PARAM = re.compile(r'\s*([A-Za-z0-9_\-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


def parse_challenge(value: str) -> Challenge:
    """``Digest realm="x", nonce="y", algorithm=SHA-256, qop="auth"`` -> Challenge."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        key, raw = match.group(1).lower(), match.group(2)
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key] = raw
    return Challenge(scheme=scheme, params=params)


def supported(challenge: Challenge) -> bool:
    base = challenge.algorithm.removesuffix("-SESS")
    return challenge.scheme.lower() == "digest" and base in _HASHES


def authorization(
    challenge: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """The Authorization header value answering ``challenge``."""
    algorithm = challenge.algorithm
    base = algorithm.removesuffix("-SESS")
    if challenge.scheme.lower() != "digest" or base not in _HASHES:
        raise ValueError(f"unsupported challenge {challenge.scheme} {algorithm}")
    h = lambda text: _HASHES[base](text.encode()).hexdigest()  # noqa: E731
    realm = challenge.realm or ""
    nonce = challenge.params.get("nonce", "")
    cnonce = cnonce or os.urandom(8).hex()
    ha1 = h(f"{username}:{realm}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    nc_text = f"{nc:08x}"
    if "auth" in challenge.qop_options:
        response = h(f"{ha1}:{nonce}:{nc_text}:{cnonce}:auth:{ha2}")
        qop_part = f', qop=auth, nc={nc_text}, cnonce="{cnonce}"'
    else:
        response = h(f"{ha1}:{nonce}:{ha2}")
        qop_part = ""
    header = (
        f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", algorithm={algorithm}{qop_part}'
    )
    if "opaque" in challenge.params:
        header += f', opaque="{challenge.params["opaque"]}"'
    return header
