import ACD
import CTI
import HotlineModel
import NIOCore
import SIPMessage

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The screen pop: when an agent's phone starts ringing, their desktop gets who is
/// calling and what they did in the IVR (``ScreenPop``) on the event stream.
extension LineCallController {
    func publishOffer(agent: AgentID, contact: InteractionID, queue: String, kind: ContactRequest.Kind) {
        guard let events else { return }
        let caller = queuedCallers[contact].flatMap { calls[$0] }
        let number: String
        let name: String?
        let popKind: ScreenPop.Kind
        switch kind {
        case .call:
            let address = caller.flatMap { try? NameAddress(parsing: $0.from) }
            number = address?.uri.userOrNumber ?? caller?.from ?? ""
            name = address?.displayName
            popKind = .call
        case .callback(let callbackNumber):
            number = callbackNumber
            name = nil
            popKind = .callback
        }
        let ivr = caller?.ivr
        let summary = ivr?.summary
        let steps = ivr?.steps ?? []
        let variables = summary.flatMap { Self.jsonValue($0.variablesJSON) } ?? [:]
        let customerID = ivr?.verifiedCustomerID ?? caller?.interaction?.customerID
        let dialled = caller?.line?.number ?? ""
        let waited = caller?.interaction.map { Timestamp.now().millisecondsSinceEpoch - $0.startedAt.millisecondsSinceEpoch }
        let lookup = customerLookup
        let publish: @Sendable (Customer?) -> Void = { customer in
            let pop = ScreenPop(interaction: contact, agent: agent.rawValue, queue: queue, kind: popKind, callerNumber: number,
                                callerName: name, dialled: dialled, waitedMilliseconds: waited, customer: customer, ivr: summary,
                                variables: variables, steps: steps)
            events.publish(EventType.interactionOffered, subject: "interactions/\(contact)", data: pop.data,
                           agents: [agent.rawValue], queues: [queue])
        }
        if let caller, caller.customerLooked { return publish(caller.customer) }
        guard let lookup else { return publish(nil) }
        sipLoop.makeFutureWithTask { await lookup(customerID, number) }.whenSuccess(publish)
    }

    func attachCustomer(_ contact: InteractionID, customer: CustomerID) -> Bool {
        let state = queuedCallers[contact].flatMap { calls[$0] }
            ?? calls.values.first { $0.interaction?.id == contact && !$0.ended }
        guard let state, !state.ended else { return false }
        updateInteraction(state) { $0.customerID = customer }
        if state.customer?.id != customer { state.customer = nil }
        logger.info("customer named for the call", metadata: ["interaction.id": "\(contact)", "customer.id": "\(customer)"])
        return true
    }

    /// A call's stored variables (JSON text) as a value; nil when unreadable.
    static func jsonValue(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
