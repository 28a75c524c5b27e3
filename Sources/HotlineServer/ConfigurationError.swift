/// A configuration problem, located in its file: `config/demo.yaml:12:9: sip.listen: ...`.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The dotted key at fault, e.g. `sip.listen`.
    public var key: String?
    /// What is wrong and what to do about it.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        s += ": "
        if let key { s += "\(key): " }
        return s + message
    }
}
