import SIPMessage
import Yams

/// The `trunk:` section: where Hotline places calls to outside numbers (queued
/// callbacks; later transfers to a number and click-to-dial).
///
/// ```yaml
/// trunk:
///   uri: sip:gateway.example.net:5060   # the gateway or SBC; the number goes in the user part
///   caller_id: "95500"                   # presented to the customer (default: the line they dialled)
///   username: hotline                    # when the gateway asks for digest authentication
///   password: secret
/// ```
extension ConfigurationReader {
    func readTrunk(_ node: Node) throws(ConfigurationError) -> HotlineConfiguration.Trunk {
        var trunk = HotlineConfiguration.Trunk(host: "")
        var sawURI = false
        for (k, v) in try mapping(node, key: "trunk") {
            let key = try scalarKey(k)
            let at = "trunk.\(key)"
            switch key {
            case "uri":
                let text = try string(v, key: at)
                guard let uri = try? SIPURI(parsing: text), !uri.host.isEmpty else {
                    throw error(v, at, "'\(text)' is not a SIP URI; write the gateway as sip:HOST or sip:HOST:PORT")
                }
                trunk.host = uri.host
                trunk.port = uri.port ?? 5060
                sawURI = true
            case "caller_id":
                let id = try string(v, key: at)
                guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+") }) else {
                    throw error(v, at, "'\(id)' is not a phone number; use digits (and a leading +)")
                }
                trunk.callerID = id
            case "username": trunk.username = try string(v, key: at)
            case "password": trunk.password = try string(v, key: at)
            default:
                throw unknownKey(k, key, in: "trunk", known: ["uri", "caller_id", "username", "password"])
            }
        }
        guard sawURI else { throw error(node, "trunk", "has no uri; add `uri: sip:gateway.example.net:5060`") }
        if (trunk.username == nil) != (trunk.password == nil) {
            throw error(node, "trunk", "needs both username and password for digest authentication, or neither")
        }
        return trunk
    }
}
