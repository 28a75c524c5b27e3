import SDP
import XCTest

/// The SDP bodies of the RFC 5118 torture messages (`../shared/corpora/rfc5118`),
/// field by field. The other nine messages carry no SDP and belong to SIPMessage.
final class RFC5118SDPTests: XCTestCase {
    /// RFC 5118 §4.6: IPv6 addresses in `o=` and `c=`, without brackets.
    func testIPv6InSDP() throws {
        let sdp = try SessionDescription(parsing: try Fixtures.rfc5118Body("ipv6-in-sdp"))
        XCTAssertEqual(sdp.origin, Origin(
            username: "assistant", sessionID: 971_731_711_378_798_081, sessionVersion: 0,
            netType: "IN", addrType: "IP6", address: "2001:db8::20"))
        XCTAssertEqual(sdp.sessionName, "Live video feed for today's meeting")
        XCTAssertEqual(sdp.connection, Connection(addrType: "IP6", address: "2001:db8::20"))
        XCTAssertEqual(sdp.timing, [Timing(start: 3_338_481_189, stop: 3_370_017_201)])
        XCTAssertEqual(sdp.media.map(\.mediaType), ["audio", "video"])
        XCTAssertEqual(sdp.media.map(\.port), [6000, 6024])
        XCTAssertEqual(sdp.media[0].rtpmap(forFormat: "2"), RTPMap(payloadType: 2, encodingName: "G726-32", clockRate: 8000))
        XCTAssertEqual(sdp.media[1].rtpmap(forFormat: "107"), RTPMap(payloadType: 107, encodingName: "H263-1998", clockRate: 90000))
        for media in sdp.media {
            XCTAssertEqual(sdp.connection(of: media)?.address, "2001:db8::20")
            XCTAssertEqual(sdp.connection(of: media)?.isIPv6, true)
        }
        XCTAssertEqual(try SessionDescription(parsing: sdp.serialized()), sdp)
    }

    /// RFC 5118 §4.8: no session-level `c=`; audio on IPv4, video on IPv6. Also has
    /// an empty `s=`, which we accept.
    func testMultipleIPAddressesInSDP() throws {
        let sdp = try SessionDescription(parsing: try Fixtures.rfc5118Body("mult-ip-in-sdp"))
        XCTAssertEqual(sdp.origin, Origin(
            username: "bob", sessionID: 280_744_730, sessionVersion: 28_977_631,
            netType: "IN", addrType: "IP4", address: "host.example.com"))
        XCTAssertEqual(sdp.sessionName, "")
        XCTAssertNil(sdp.connection)
        XCTAssertEqual(sdp.media[0].connections, [Connection(addrType: "IP4", address: "192.0.2.1")])
        XCTAssertEqual(sdp.media[1].connections, [Connection(addrType: "IP6", address: "2001:db8::1")])
        XCTAssertEqual(sdp.media[0].port, 22334)
        XCTAssertEqual(sdp.media[0].formats, ["0"])
        XCTAssertEqual(sdp.connection(of: sdp.media[0])?.address, "192.0.2.1")
        XCTAssertEqual(sdp.connection(of: sdp.media[1])?.address, "2001:db8::1")
        XCTAssertEqual(try SessionDescription(parsing: sdp.serialized()), sdp)
    }

    /// RFC 5118 §4.9: IPv4-mapped IPv6 addresses stay as written.
    func testIPv4MappedIPv6() throws {
        let sdp = try SessionDescription(parsing: try Fixtures.rfc5118Body("ipv4-mapped-ipv6"))
        XCTAssertEqual(sdp.origin.addrType, "IP6")
        XCTAssertEqual(sdp.origin.address, "::ffff:192.0.2.2")
        XCTAssertEqual(sdp.sessionName, "Call me soon, please!")
        XCTAssertEqual(sdp.connection, Connection(addrType: "IP6", address: "::ffff:192.0.2.2"))
        for media in sdp.media {
            XCTAssertEqual(sdp.connection(of: media)?.address, "::ffff:192.0.2.2")
        }
    }

    /// The §4.6 offer is G.726 audio plus H.263 video: nothing we speak. The 488
    /// carries warning 305.
    func testIPv6OfferWithoutCommonCodecIsRefused() throws {
        let offer = try SessionDescription(parsing: try Fixtures.rfc5118Body("ipv6-in-sdp"))
        let local = LocalMedia(address: "2001:db8::10", rtpPort: 40000, sessionID: 1, sessionVersion: 1)
        let error = SDPNegotiator().answer(to: offer, local: local).error()
        XCTAssertEqual(error?.code, .noCommonCodec)
        XCTAssertEqual(error?.sipStatus, 488)
        XCTAssertEqual(error?.warningCode, 305)
        XCTAssertEqual(error?.message, "m=audio #1 offers 2 G726-32/8000; we support PCMU/8000, PCMA/8000")
    }

    /// The §4.8 offer has PCMU on IPv4 audio: accepted at the media-level address,
    /// video rejected in place.
    func testMultipleAddressOfferIsAnsweredPerMedia() throws {
        let offer = try SessionDescription(parsing: try Fixtures.rfc5118Body("mult-ip-in-sdp"))
        let negotiated = try SDPNegotiator().answer(to: offer, local: Fixtures.local).value()
        XCTAssertEqual(negotiated.media.remoteAddress, "192.0.2.1")
        XCTAssertEqual(negotiated.media.remotePort, 22334)
        XCTAssertEqual(negotiated.answer.media.map(\.port), [40000, 0])
        XCTAssertEqual(negotiated.answer.media[1].formats, ["107"])
    }
}
