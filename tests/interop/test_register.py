"""The registrar: digest challenge (SHA-256 and MD5, RFC 8760), bindings with expires,
un-REGISTER, and wrong credentials never accepted.

Each failing-credential test makes ONE wrong attempt: every test comes from
127.0.0.1, and the registrar refuses a source with 403 after five failures
(docs/demo.md), which would lock out the tests that follow.
"""

from __future__ import annotations

import pytest

from harness import digest, sipmsg, sipp
from harness.ports import LOOPBACK
from harness.settings import hotline_config, new_server
from harness.sipclient import Exchange, UdpPeer

REALM = "hotline.local"
AGENTS = {"1001": "agent1001", "1002": "agent1002", "1003": "agent1003", "2001": "super2001"}


class Registration:
    """A REGISTER dialog-less exchange: same Call-ID, increasing CSeq (RFC 3261 §10.2)."""

    def __init__(self, peer: UdpPeer, server, user: str):
        host, port = server.address
        self.peer, self.user = peer, user
        self.uri = f"sip:{host}:{port}"
        self.aor = f"sip:{user}@{REALM}"
        self.contact_uri = f"sip:{user}@{LOOPBACK}:{peer.port}"
        self.call_id = sipmsg.new_call_id(f"reg-{user}")
        self.from_tag = sipmsg.new_tag()
        self.cseq = 0

    def send(self, *, expires: int, authorization: str | None = None, contact: bool = True) -> Exchange:
        self.cseq += 1
        headers = [("Expires", str(expires))]
        if authorization:
            headers.append(("Authorization", authorization))
        request = sipmsg.build_request(
            "REGISTER", self.uri, via=self.peer.via,
            from_=f"<{self.aor}>;tag={self.from_tag}", to=f"<{self.aor}>",
            call_id=self.call_id, cseq=self.cseq,
            contact=f"<{self.contact_uri}>" if contact else None, headers=headers)
        return self.peer.transact(request)

    def challenge(self, exchange: Exchange, algorithm: str) -> digest.Challenge:
        final = exchange.final
        assert final is not None and final.status == 401, exchange.describe()
        challenges = [digest.parse_challenge(v) for v in final.get_all("www-authenticate")]
        for c in challenges:
            if c.scheme.lower() == "digest" and c.algorithm == algorithm:
                return c
        raise AssertionError(f"no Digest {algorithm} challenge in the 401:\n{final.text()}")

    def register(self, password: str, *, algorithm: str, expires: int) -> Exchange:
        first = self.send(expires=expires)
        challenge = self.challenge(first, algorithm)
        auth = digest.authorization(challenge, method="REGISTER", uri=self.uri,
                                    username=self.user, password=password)
        return self.send(expires=expires, authorization=auth)


def _same_binding(a: str, b: str) -> bool:
    """Same contact address, ignoring URI parameters the registrar may add or drop."""
    return a.split(";", 1)[0].strip().lower() == b.split(";", 1)[0].strip().lower()


def _binding_expires(final, contact_uri: str) -> int | None:
    """The expires of our binding among the 200's Contact values (None if not listed)."""
    for value in final.values("contact"):
        if _same_binding(sipmsg.uri_of(value), contact_uri):
            expires = sipmsg.header_param(value, "expires")
            assert expires is not None and expires.isdigit(), (
                f"binding listed without a numeric ;expires (RFC 3261 §10.3 step 8): {value}")
            return int(expires)
    return None


def test_register_without_credentials_is_challenged_with_sha256_and_md5(server):
    with UdpPeer(server.address) as peer:
        exchange = Registration(peer, server, "1001").send(expires=300)
    final = exchange.final
    assert final is not None and final.status == 401, exchange.describe()
    challenges = [digest.parse_challenge(v) for v in final.get_all("www-authenticate")]
    algorithms = [c.algorithm for c in challenges if c.scheme.lower() == "digest"]
    assert "SHA-256" in algorithms and "MD5" in algorithms, (
        f"expected Digest challenges for SHA-256 and MD5 (RFC 8760), got {algorithms}:\n{final.text()}")
    for c in challenges:
        assert c.realm == REALM, f"realm {c.realm!r}, expected {REALM!r}"
        assert c.params.get("nonce"), f"challenge without a nonce: {c}"
        assert "auth" in c.qop_options, f"challenge without qop=auth: {c}"


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_register_then_unregister(server, algorithm):
    user = "1001" if algorithm == "SHA-256" else "1002"
    with UdpPeer(server.address) as peer:
        registration = Registration(peer, server, user)
        exchange = registration.register(AGENTS[user], algorithm=algorithm, expires=300)
        final = exchange.final
        assert final is not None and final.status == 200, exchange.describe()
        expires = _binding_expires(final, registration.contact_uri)
        assert expires is not None, f"our binding {registration.contact_uri} is not in the 200:\n{final.text()}"
        assert 0 < expires <= 300, f"binding expires {expires}, asked for 300"

        # Un-register: Expires: 0 (re-authenticating if the server challenges again).
        removal = registration.send(expires=0)
        if removal.final is not None and removal.final.status == 401:
            challenge = registration.challenge(removal, algorithm)
            removal = registration.send(expires=0, authorization=digest.authorization(
                challenge, method="REGISTER", uri=registration.uri, username=user, password=AGENTS[user]))
        assert removal.final is not None and removal.final.status == 200, removal.describe()
        assert _binding_expires(removal.final, registration.contact_uri) is None, (
            f"binding still listed after Expires: 0:\n{removal.final.text()}")


def test_register_with_wrong_password_is_never_accepted(server):
    with UdpPeer(server.address) as peer:
        exchange = Registration(peer, server, "1003").register("not-the-password", algorithm="MD5", expires=300)
    final = exchange.final
    assert final is not None and final.status in (401, 403), exchange.describe()


def test_register_unknown_user_is_never_accepted(server):
    with UdpPeer(server.address) as peer:
        exchange = Registration(peer, server, "9999").register("whatever", algorithm="MD5", expires=300)
    final = exchange.final
    assert final is not None and final.status in (401, 403), exchange.describe()


@pytest.fixture(scope="module")
def md5_server(tmp_path_factory):
    """A server that offers only MD5 (`sip.auth_algorithms: [MD5]`).

    SIPp 3.6.1 (Debian 12) answers only the first WWW-Authenticate header and only MD5,
    while the demo registrar lists SHA-256 first (RFC 8760 order). Deployments with such
    phones configure MD5 only; this is that configuration, so SIPp really registers.
    """
    workdir = tmp_path_factory.mktemp("hotline-md5")
    text = hotline_config().read_text()
    assert "\nsip:\n" in text, "the test configuration has no sip: section to extend"
    config = workdir / "md5.yaml"
    # Prompt and flow paths in the file are relative to it: the copy lives elsewhere, so
    # make them absolute.
    root = hotline_config().resolve().parent.parent
    text = text.replace("../prompts/", f"{root / 'prompts'}/").replace("../flows/", f"{root / 'flows'}/")
    config.write_text(text.replace("\nsip:\n", "\nsip:\n  auth_algorithms: [MD5]\n", 1))
    hotline = new_server(workdir, config=config)
    hotline.start()
    yield hotline
    code, _ = hotline.stop()
    assert code == 0, hotline.log_tail()


def test_md5_only_server_offers_one_md5_challenge(md5_server):
    with UdpPeer(md5_server.address) as peer:
        exchange = Registration(peer, md5_server, "1001").send(expires=300)
    final = exchange.final
    assert final is not None and final.status == 401, exchange.describe()
    challenges = final.get_all("WWW-Authenticate")
    assert len(challenges) == 1 and "algorithm=MD5" in challenges[0], challenges


@pytest.mark.sipp
def test_sipp_register_and_unregister(md5_server, sipp_dir):
    run = sipp.run("register", sipp_dir, scenario="register.xml", remote=md5_server.address,
                   service="2001", auth=("2001", AGENTS["2001"]), calls=1)
    run.assert_all_successful(1)


@pytest.mark.sipp
def test_sipp_register_with_wrong_password(md5_server, sipp_dir):
    run = sipp.run("register-wrong", sipp_dir, scenario="register_wrong_password.xml",
                   remote=md5_server.address, service="1003", auth=("1003", "not-the-password"), calls=1)
    run.assert_all_successful(1)
