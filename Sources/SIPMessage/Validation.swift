/// The fields every element needs from a request, checked once (RFC 3261 §8.1.1, §8.2).
public struct RequestEssentials: Sendable, Hashable {
    public var vias: [Via]
    public var from: NameAddress
    public var to: NameAddress
    public var callID: String
    public var cseq: CSeq
    public var maxForwards: Int?
    public var contacts: [NameAddress]?
    public var expires: UInt32?
}

extension SIPRequest {
    /// Checks what a UAS must check before acting on a request, and returns the parsed
    /// essentials. Throws a `SIPParseError` with `statusCode` 400 (and `partial` set to this
    /// request) naming the header at fault:
    /// - Via, From, To, Call-ID and CSeq present; single-valued ones not repeated (RFC 4475 §3.3.1, §3.3.8);
    /// - each parses, with bounded scalars: CSeq < 2**32, Max-Forwards ≤ 255, Expires and
    ///   contact `expires` < 2**32 (§3.1.2.4);
    /// - the CSeq method equals the request method (§3.1.2.17), reported with code `.cseqMismatch`
    ///   so that a UAS may prefer 501 for an unknown method (§3.1.2.18).
    public func validate() throws(SIPParseError) -> RequestEssentials {
        do throws(SIPParseError) {
            let vias = try self.vias()
            let callID = try self.callID()
            let from = try self.from()
            let to = try self.to()
            let cseq = try self.cseq()
            let maxForwards = try self.maxForwards()
            let expires = try self.expires()
            var contacts: [NameAddress]?
            if headers.contains(.contact) {
                contacts = try self.contacts()
                for c in contacts ?? [] {
                    if let e = c.parameters.value("expires") {
                        _ = try parseBoundedInteger(e, header: "Contact expires", max: UInt64(UInt32.max))
                    }
                }
            }
            guard cseq.method == method || (method == .ack && cseq.method == .ack) else {
                throw SIPParseError(.cseqMismatch, "CSeq method \(cseq.method) does not match \(method)")
            }
            return RequestEssentials(vias: vias, from: from, to: to, callID: callID, cseq: cseq,
                                     maxForwards: maxForwards, contacts: contacts, expires: expires)
        } catch {
            var e = error
            e.statusCode = 400
            e.partial = self
            throw e
        }
    }
}

/// The fields a UAC needs from a response.
public struct ResponseEssentials: Sendable, Hashable {
    public var topVia: Via
    public var from: NameAddress
    public var to: NameAddress
    public var callID: String
    public var cseq: CSeq
}

extension SIPResponse {
    /// Responses that fail this are discarded silently (RFC 4475 §3.1.2.5, §3.1.2.19).
    public func validate() throws(SIPParseError) -> ResponseEssentials {
        do throws(SIPParseError) {
            let via = try topVia()
            return ResponseEssentials(topVia: via, from: try from(), to: try to(), callID: try callID(), cseq: try cseq())
        } catch {
            var e = error
            e.statusCode = nil
            throw e
        }
    }
}
