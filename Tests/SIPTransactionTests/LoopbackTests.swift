import SIPMessage
import SIPTransaction
import XCTest

/// Two layers back to back in memory on one manual clock, over a UDP "network" that drops
/// the messages a test names: retransmissions have to repair the loss, and each TU must see
/// every request and final response exactly once.
final class LoopbackTests: XCTestCase {
    enum Side: Hashable { case uac, uas }

    struct Loopback {
        struct TimerKey: Hashable {
            var side: Side
            var timer: TransactionTimer
            var id: TransactionID
        }

        var layers: [Side: TransactionLayer] = [.uac: TransactionLayer(), .uas: TransactionLayer()]
        let address: [Side: SIPPeer] = [.uac: Fixture.alice, .uas: Fixture.bob]
        var clock = ManualClock()
        var timers: [TimerKey: SIPInstant] = [:]
        /// What each TU was told, in order.
        var tu: [Side: [LayerEvent]] = [.uac: [], .uas: []]
        /// Each predicate drops the first message it matches, then is spent.
        var dropOnce: [(Side, (SIPMessage) -> Bool)] = []
        var dropped: [SIPMessage] = []

        var now: SIPInstant { clock.now }

        mutating func run(_ side: Side, _ body: (inout TransactionLayer, SIPInstant) -> [LayerEvent]) {
            let events = body(&layers[side]!, now)
            handle(events, on: side)
        }

        private mutating func handle(_ events: [LayerEvent], on side: Side) {
            for event in events {
                switch event {
                case .send(let message, _):
                    if let i = dropOnce.firstIndex(where: { $0.0 == side && $0.1(message) }) {
                        dropOnce.remove(at: i)
                        dropped.append(message)
                        continue
                    }
                    let other: Side = side == .uac ? .uas : .uac
                    let from = address[side]!
                    run(other) { layer, now in layer.receive(message, from: from, now: now) }
                case .startTimer(let timer, let id, let at):
                    timers[TimerKey(side: side, timer: timer, id: id)] = at
                case .cancelTimer(let timer, let id):
                    timers[TimerKey(side: side, timer: timer, id: id)] = nil
                case .terminated(let id):
                    timers = timers.filter { !($0.key.side == side && $0.key.id == id) }
                    tu[side]!.append(event)
                case .request, .cancel, .ackForAcceptedInvite, .strayACK, .response, .strayResponse, .timeout,
                     .transportError:
                    tu[side]!.append(event)
                }
            }
        }

        /// Fires timers in deadline order up to `instant`, then sets the clock there.
        mutating func advance(to instant: SIPInstant) {
            while let (key, at) = timers.min(by: { $0.value < $1.value }), at <= instant {
                clock.advance(to: at)
                timers[key] = nil
                run(key.side) { layer, now in layer.timerFired(key.timer, for: key.id, now: now) }
            }
            clock.advance(to: instant)
        }
    }

    private static func isRequest(_ method: SIPMethod) -> (SIPMessage) -> Bool {
        { if case .request(let r) = $0 { return r.method == method } else { return false } }
    }

    private static func isResponse(_ code: Int) -> (SIPMessage) -> Bool {
        { if case .response(let r) = $0 { return r.statusCode == code } else { return false } }
    }

    func testLostInviteAndLostFinalAreRepairedAndEachTUSeesThemOnce() {
        var net = Loopback()
        net.dropOnce = [(.uac, Self.isRequest(.invite)), (.uas, Self.isResponse(486))]
        let invite = Fixture.invite()
        var uacID: TransactionID?
        net.run(.uac) { layer, now in
            let (id, events) = layer.sendRequest(invite, to: Fixture.bob, now: now)
            uacID = id
            return events
        }
        XCTAssertEqual(net.tu[.uas]!, [], "the first INVITE was lost")
        net.advance(to: .ms(500))
        guard case .request(let received, let uasID, _) = net.tu[.uas]!.first else { return XCTFail("\(net.tu)") }
        XCTAssertEqual(received, invite)

        net.advance(to: .ms(1000))
        let busy = Fixture.response(486, to: received, toTag: "uas1")
        net.run(.uas) { layer, now in layer.sendResponse(busy, for: uasID, now: now) }
        net.advance(to: .ms(60_000))

        let trying = Fixture.response(100, to: invite)
        XCTAssertEqual(net.tu[.uac]!, [.response(trying, uacID!), .response(busy, uacID!), .terminated(uacID!)])
        XCTAssertEqual(net.tu[.uas]!, [.request(invite, uasID, from: Fixture.alice), .terminated(uasID)])
        XCTAssertEqual(net.dropped.count, 2)
        XCTAssertEqual(net.layers[.uac]!.count, 0)
        XCTAssertEqual(net.layers[.uas]!.count, 0)
    }

    /// RFC 6026: the UAS TU retransmits its 2xx through the Accepted transaction, the UAC TU
    /// ACKs each 2xx it is given, and the ACK reaches the UAS TU matched to its INVITE.
    func testLost2xxIsRetransmittedByTheTUAndTheACKReachesTheAcceptedInvite() {
        var net = Loopback()
        net.dropOnce = [(.uas, Self.isResponse(200))]
        let invite = Fixture.invite()
        net.run(.uac) { layer, now in layer.sendRequest(invite, to: Fixture.bob, now: now).1 }
        guard case .request(let received, let uasID, _) = net.tu[.uas]!.first else { return XCTFail("\(net.tu)") }
        let ok = Fixture.response(200, to: received, toTag: "uas1")
        net.run(.uas) { layer, now in layer.sendResponse(ok, for: uasID, now: now) }
        net.advance(to: .ms(500))
        net.run(.uas) { layer, now in layer.sendResponse(ok, for: uasID, now: now) }

        guard case .response(ok, let uacID) = net.tu[.uac]!.last else { return XCTFail("\(net.tu)") }
        let ack = Fixture.ackFor2xx(of: invite, toTag: "uas1")
        net.run(.uac) { layer, _ in layer.sendStateless(.request(ack), to: Fixture.bob) }
        XCTAssertEqual(net.tu[.uas]!.last, .ackForAcceptedInvite(ack, uasID, from: Fixture.alice))

        net.advance(to: .ms(60_000))
        XCTAssertEqual(net.tu[.uac]!.suffix(1), [.terminated(uacID)])
        XCTAssertEqual(net.tu[.uas]!.suffix(1), [.terminated(uasID)])
        XCTAssertEqual(net.tu[.uas]!.filter { if case .request = $0 { return true } else { return false } }.count, 1)
    }
}
