/// Erlang's formulas for a queue with `agents` servers, Poisson arrivals and exponential
/// handle times, no abandonment (M/M/c): what the simulator is checked against.
public struct ErlangC: Hashable, Sendable {
    public var agents: Int
    /// Offered traffic in erlangs: arrival rate × mean handle time.
    public var traffic: Double

    public init(agents: Int, traffic: Double) {
        self.agents = agents
        self.traffic = traffic
    }

    /// Erlang B by its recurrence B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), which stays
    /// within floating point for hundreds of agents where the factorial form overflows.
    public var blocking: Double {
        var b = 1.0
        for k in stride(from: 1, through: agents, by: 1) {
            b = traffic * b / (Double(k) + traffic * b)
        }
        return b
    }

    /// The probability that a contact waits (Erlang C): c·B / (c − A·(1 − B)); 1 when the
    /// traffic reaches the agents (the queue grows without bound).
    public var probabilityOfWaiting: Double {
        guard traffic < Double(agents) else { return 1 }
        let b = blocking
        let c = Double(agents)
        return c * b / (c - traffic * (1 - b))
    }

    /// Average speed of answer in seconds for `meanHandleSeconds`: P(wait) · h / (c − A).
    public func averageSpeedOfAnswer(meanHandleSeconds: Double) -> Double {
        guard traffic < Double(agents) else { return .infinity }
        return probabilityOfWaiting * meanHandleSeconds / (Double(agents) - traffic)
    }

    /// The share of contacts answered within `seconds`: 1 − P(wait) · e^(−(c − A)·t/h).
    public func serviceLevel(within seconds: Double, meanHandleSeconds: Double) -> Double {
        guard traffic < Double(agents) else { return 0 }
        return 1 - probabilityOfWaiting * naturalExponential(-(Double(agents) - traffic) * seconds / meanHandleSeconds)
    }
}

/// exp without Foundation (pure targets import only the standard library).
@inline(__always)
func naturalExponential(_ x: Double) -> Double {
    // exp(x) = 2^(x·log2 e), split into an integer power of two and a short series.
    let y = x * 1.4426950408889634
    let n = y.rounded(.down)
    let f = (y - n) * 0.6931471805599453   // in [0, ln 2)
    var term = 1.0, sum = 1.0
    for k in 1...20 {
        term *= f / Double(k)
        sum += term
    }
    guard n > -1074 else { return 0 }
    guard n < 1024 else { return .infinity }
    return sum * Double(sign: .plus, exponent: Int(n), significand: 1)
}
