import AsyncHTTPClient
import IVR
import Logging
import Metrics
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Performs the requests of the IVR's `http` node (``IVRAction/http(request:method:url:jsonBody:timeoutMilliseconds:)``)
/// against a flow designer's own system and turns what happened into an ``HTTPOutcome``.
///
/// - Any status is a `.response` (the flow decides what a 4xx or 5xx means); a body that
///   is empty or not JSON is `body: nil`.
/// - The whole exchange (DNS, connect, TLS, request, response head and body, redirects)
///   must finish within the node's timeout, or the outcome is `.timedOut`.
/// - Bodies over ``maximumResponseBytes`` are not read further: `.failed`.
/// - Redirects are followed at most ``maximumRedirects`` times, to http or https only.
/// - Connection refused, DNS and TLS failures are `.failed` with a short reason, which is
///   stored with the call's steps: it never holds the URL's path, the query or the body,
///   as they may carry a caller's personal data.
///
/// It never throws and never traps. Log lines carry the method, the host, the status and
/// the duration; never the path, the query or a body.
///
/// The client runs on the event loop group given to ``init(eventLoopGroup:logger:)``
/// (by default NIO's process-wide `MultiThreadedEventLoopGroup.singleton`, which the rest
/// of the server shares). It does not own that group; it owns its `HTTPClient` (and the
/// pooled connections), which ``shutdown()`` closes. Call ``shutdown()`` once, after the
/// last ``send(method:url:jsonBody:timeoutMilliseconds:)`` has returned, and before the
/// client is released (AsyncHTTPClient traps in debug builds on a client never shut down).
///
/// Cancelling the task that awaits `send` (the caller hung up) cancels the request at
/// once; the outcome is then `.failed("cancelled")`, logged at debug level only.
public final class IVRHTTPClient: Sendable {
    /// Responses larger than this (1 MiB) are `.failed`: an IVR needs a few fields, not a
    /// document, and the body is held in memory while the call waits.
    public static let maximumResponseBytes = 1 << 20
    public static let maximumRedirects = 3
    /// What the server sees as `User-Agent`.
    public static let userAgent = "Hotline-IVR"
    /// The methods a flow may use (`FlowDecoder` refuses the others).
    public static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    private let client: HTTPClient
    private let logger: Logger
    private let metrics = IVRHTTPMetrics()

    /// - Parameters:
    ///   - eventLoopGroup: where connections run; not owned, not shut down here.
    ///   - logger: for one line per request (and AsyncHTTPClient's background activity).
    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: Self.maximumRedirects, allowCycles: false)
        // Each request has its own deadline (the node's timeout); this only caps a connect
        // attempt when the node allows more (timeouts go up to 30 s).
        configuration.timeout = .init(connect: .seconds(10))
        // A refused connection must fail now, not be retried until the deadline and then
        // look like a timeout: `on_error` and `on_timeout` are different branches.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration,
                                 backgroundActivityLogger: logger)
        self.logger = logger
    }

    /// Closes the pooled connections. Requests still running fail.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Sends one request and waits for its outcome; logs with the client's logger.
    public func send(method: String, url: String, jsonBody: String?, timeoutMilliseconds: Int) async -> HTTPOutcome {
        await send(method: method, url: url, jsonBody: jsonBody, timeoutMilliseconds: timeoutMilliseconds, logger: logger)
    }

    /// Sends one request and waits for its outcome.
    ///
    /// - Parameters:
    ///   - method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    ///   - url: an absolute `http` or `https` URL, placeholders already URL-encoded.
    ///   - jsonBody: JSON text sent with `Content-Type: application/json`, or nil for no body.
    ///   - timeoutMilliseconds: the deadline for the whole exchange, redirects included.
    ///   - logger: the call's logger (with its `call.id`).
    public func send(method: String, url: String, jsonBody: String?, timeoutMilliseconds: Int,
                     logger: Logger) async -> HTTPOutcome {
        let started = ContinuousClock.now
        let target = IVRHTTPTarget(url)
        let outcome: HTTPOutcome
        switch makeRequest(method: method, url: url, target: target, jsonBody: jsonBody) {
        case .failure(let problem):
            outcome = .failed(problem.reason)
        case .success(let request):
            outcome = await perform(request, timeoutMilliseconds: timeoutMilliseconds)
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        if Task.isCancelled {
            // The call ended (the caller hung up): nothing for an operator to fix.
            metrics.count(outcome: "cancelled")
            logger.debug("IVR HTTP request cancelled", metadata: [
                "http.method": .string(method), "http.host": .string(target.host), "http.ms": .stringConvertible(milliseconds),
            ])
            return .failed("cancelled")
        }
        report(outcome, method: method, host: target.host, milliseconds: milliseconds, timeout: timeoutMilliseconds, logger: logger)
        return outcome
    }

    // MARK: request

    private struct RequestProblem: Error {
        var reason: String
    }

    private func makeRequest(method: String, url: String, target: IVRHTTPTarget, jsonBody: String?) -> Result<HTTPClientRequest, RequestProblem> {
        switch target.scheme {
        case "http"?, "https"?:
            break
        case let scheme?:
            return .failure(RequestProblem(reason: "unsupported URL scheme '\(scheme)': use http:// or https://"))
        case nil:
            return .failure(RequestProblem(reason: "unsupported URL: it must start with http:// or https://"))
        }
        guard !target.host.isEmpty else {
            return .failure(RequestProblem(reason: "unsupported URL: no host after \(target.scheme ?? "http")://"))
        }
        var request = HTTPClientRequest(url: url)
        switch method {
        case "GET": request.method = .GET
        case "POST": request.method = .POST
        case "PUT": request.method = .PUT
        case "PATCH": request.method = .PATCH
        case "DELETE": request.method = .DELETE
        default:
            return .failure(RequestProblem(reason: "unsupported HTTP method '\(method.prefix(16))': use GET, POST, PUT, PATCH or DELETE"))
        }
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let jsonBody {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: jsonBody))
        }
        return .success(request)
    }

    // MARK: exchange

    /// Races the exchange against the deadline. AsyncHTTPClient's own deadline covers the
    /// exchange up to the response head only, so a server that sends the head and then
    /// trickles the body needs this outer bound.
    private func perform(_ request: HTTPClientRequest, timeoutMilliseconds: Int) async -> HTTPOutcome {
        let milliseconds = max(0, timeoutMilliseconds)
        let deadline = NIODeadline.now() + .milliseconds(Int64(milliseconds))
        return await withTaskGroup(of: HTTPOutcome?.self) { group in
            group.addTask {
                await self.exchange(request, deadline: deadline)
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .milliseconds(milliseconds))
                } catch {
                    return nil // cancelled: the exchange finished first
                }
                return .timedOut
            }
            var outcome: HTTPOutcome = .failed("cancelled")
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            // Cancelling the exchange closes its connection; the group waits for that.
            group.cancelAll()
            return outcome
        }
    }

    private func exchange(_ request: HTTPClientRequest, deadline: NIODeadline) async -> HTTPOutcome {
        do {
            let response = try await client.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            // Throws NIOTooManyBytesError as soon as Content-Length or the bytes read so far
            // exceed the limit; dropping the body then stops reading and closes the connection.
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            guard body.readableBytes > 0 else { return .response(status: status, body: nil) }
            return .response(status: status, body: try? FlowValue(json: body.readableBytesView))
        } catch {
            // Whatever failed once the deadline passed failed because of it (a cancelled
            // connect attempt, a closed stream...).
            if NIODeadline.now() >= deadline { return .timedOut }
            return Self.outcome(for: error)
        }
    }

    /// A short reason for the log and the call's steps (no URL path, no body).
    static func outcome(for error: any Error) -> HTTPOutcome {
        switch error {
        case is NIOTooManyBytesError:
            return .failed("response larger than 1 MiB")
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout:
                return .timedOut
            case .redirectLimitReached:
                return .failed("more than \(maximumRedirects) redirects")
            case .redirectCycleDetected:
                return .failed("redirect loop")
            case .remoteConnectionClosed:
                return .failed("the server closed the connection before answering")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .failed("unsupported URL: not a valid http(s) URL")
            case .cancelled:
                return .failed("cancelled")
            default:
                return .failed(error.shortDescription)
            }
        case let error as NIOConnectionError:
            return .failed(reason(for: error))
        case let error as IOError:
            return .failed(reason(forErrno: error.errnoCode))
        case is CancellationError:
            return .failed("cancelled")
        default:
            // NIOSSL's errors (handshake, certificate) without linking NIOSSL just to name them.
            let type = String(reflecting: Swift.type(of: error))
            if type.hasPrefix("NIOSSL.") {
                return .failed("TLS failure: " + tlsReason(error))
            }
            return .failed(String("\(type): \(error)".prefix(160)))
        }
    }

    /// BoringSSL's reason code (`CERTIFICATE_VERIFY_FAILED`, `WRONG_VERSION_NUMBER`) when
    /// there is one, not the whole error stack with its source paths.
    static func tlsReason(_ error: any Error) -> String {
        let text = "\(error)"
        if let marker = text.range(of: "OPENSSL_internal:") {
            let code = text[marker.upperBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !code.isEmpty { return String(code) }
        }
        return String(text.prefix(160))
    }

    private static func reason(for error: NIOConnectionError) -> String {
        if let failure = error.connectionErrors.first {
            if let io = failure.error as? IOError {
                return reason(forErrno: io.errnoCode) + " (\(error.host):\(error.port))"
            }
            return String("connection to \(error.host):\(error.port) failed: \(failure.error)".prefix(200))
        }
        if error.dnsAError != nil || error.dnsAAAAError != nil {
            return "DNS lookup of \(error.host) failed"
        }
        return "connection to \(error.host):\(error.port) failed"
    }

    private static func reason(forErrno code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset by the server"
        case EHOSTUNREACH, ENETUNREACH: "host unreachable"
        case ETIMEDOUT: "connection timed out"
        default: "connection error (errno \(code))"
        }
    }

    // MARK: log and metrics

    private func report(_ outcome: HTTPOutcome, method: String, host: String, milliseconds: Int64, timeout: Int,
                        logger: Logger) {
        var metadata: Logger.Metadata = [
            "http.method": .string(method),
            "http.host": .string(host),
            "http.ms": .stringConvertible(milliseconds),
        ]
        metrics.duration.recordMilliseconds(milliseconds)
        switch outcome {
        case .response(let status, let body):
            metadata["http.status"] = .stringConvertible(status)
            metadata["http.json"] = .stringConvertible(body != nil)
            metrics.count(outcome: "\(status / 100)xx")
            logger.info("IVR HTTP request answered", metadata: metadata)
        case .failed(let reason):
            metadata["http.error"] = .string(reason)
            metrics.count(outcome: "failed")
            logger.warning("IVR HTTP request failed: \(reason). Check the flow's url and that the server is reachable from Hotline",
                           metadata: metadata)
        case .timedOut:
            metrics.count(outcome: "timeout")
            logger.warning("IVR HTTP request timed out after \(timeout) ms. Check the server, or raise the node's timeout_ms (up to 30000)",
                           metadata: metadata)
        }
    }
}

/// The parts of a URL that may be logged: the scheme and `host[:port]`, without user
/// information (it may hold a password), path or query (they may hold a caller's data).
struct IVRHTTPTarget: Hashable {
    /// Lowercased; nil when the text does not start with `scheme:`.
    var scheme: String?
    /// `host` or `host:port` as written; empty when there is none.
    var host: String

    init(_ url: String) {
        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":".
        guard let colon = url.firstIndex(of: ":"),
              let first = url.first, first.isASCII, first.isLetter,
              url[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else {
            self.scheme = nil
            self.host = ""
            return
        }
        scheme = url[..<colon].lowercased()
        let rest = url[url.index(after: colon)...]
        guard rest.hasPrefix("//") else {
            host = ""
            return
        }
        let authority = rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            host = String(authority[authority.index(after: at)...])
        } else {
            host = String(authority)
        }
    }
}

/// `hotline_ivr_http_requests_total{outcome=2xx|3xx|4xx|5xx|failed|timeout|cancelled}` and
/// `hotline_ivr_http_duration` (the whole exchange).
struct IVRHTTPMetrics: Sendable {
    let duration = Metrics.Timer(label: "hotline_ivr_http_duration")

    func count(outcome: String) {
        Counter(label: "hotline_ivr_http_requests_total", dimensions: [("outcome", outcome)]).increment()
    }
}
