import CTI
import HotlineModel
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SIPDialog
import SIPNetwork
import Storage

/// The HTTP API (`/api/v1`, JSON): the routing subset of issue #5, which the agent
/// desktop of issue #6 extends (sessions, CSRF, OpenAPI, WebSocket events). docs/api.md
/// lists the routes.
///
/// A `Service`: it runs a Hummingbird application on `listen` until graceful shutdown.
public struct APIServer: Service {
    let listen: HostPort
    let commands: any RoutingCommands
    let auth: APIAuthentication
    let hub: EventHub
    let viewers: @Sendable (APIPrincipal) async -> EventViewer
    /// The web desktop's files (`web/` in the repository); nil: no desktop.
    let webRoot: String?
    let resources: Resources
    let logger: Logger
    let onReady: (@Sendable (HostPort) -> Void)?

    /// - Parameters:
    ///   - onReady: called with the bound address once the server listens (port 0 picks one).
    ///   - now: nanoseconds on a monotonic clock, for the login throttle.
    ///   - lookUp: a user's name, roles and web password hash, for `POST /api/v1/sessions`.
    public init(listen: HostPort, commands: any RoutingCommands, users: APIUsers, logger: Logger,
                onReady: (@Sendable (HostPort) -> Void)? = nil,
                now: @escaping @Sendable () -> Int64 = { Int64(NIODeadline.now().uptimeNanoseconds) },
                hub: EventHub? = nil, webRoot: String? = nil, secureCookies: Bool = true,
                sessions: SessionTable = SessionTable(),
                lookUp: @escaping @Sendable (String) async -> APIAuthenticationUser? = { _ in nil },
                viewers: (@Sendable (APIPrincipal) async -> EventViewer)? = nil,
                resources: Resources = Resources()) {
        self.listen = listen
        self.commands = commands
        self.auth = APIAuthentication(basic: BasicAuthenticator(users: users), sessions: sessions, secureCookies: secureCookies,
                                      lookUp: lookUp, monotonic: now, logger: logger)
        self.hub = hub ?? EventHub(node: "local", logger: logger)
        self.viewers = viewers ?? { EventViewer(username: $0.username, roles: $0.roles) }
        self.webRoot = webRoot
        self.resources = resources
        self.logger = logger
        self.onReady = onReady
    }

    /// What the routes beyond routing read: the store (customers, interactions,
    /// recordings, the audit log), who watches whom, the reference lists, the OpenAPI file.
    public struct Resources: Sendable {
        public var store: (any HotlineStore)?
        /// Supervisor username → the agents of their team (a supervisor not listed sees all).
        public var teams: [String: Set<String>]
        public var dispositions: [CodeLabel]
        public var reasons: [CodeLabel]
        public var openAPIPath: String?
        /// What the admin pages change; nil: no admin routes.
        public var admin: AdminBackend?
        public var now: @Sendable () -> Timestamp

        public init(store: (any HotlineStore)? = nil, teams: [String: Set<String>] = [:],
                    dispositions: [CodeLabel] = CodeLabel.defaultDispositions, reasons: [CodeLabel] = CodeLabel.defaultReasons,
                    openAPIPath: String? = nil, admin: AdminBackend? = nil, now: @escaping @Sendable () -> Timestamp = { .now() }) {
            self.store = store
            self.admin = admin
            self.teams = teams
            self.dispositions = dispositions
            self.reasons = reasons
            self.openAPIPath = openAPIPath
            self.now = now
        }
    }

    public func run() async throws {
        try await makeApplication().run()
    }

    /// The Hummingbird application (also what the tests drive).
    func makeApplication() -> some ApplicationProtocol {
        let router = Self.router(commands: commands, auth: auth, hub: hub, viewers: viewers, webRoot: webRoot,
                                 resources: resources, logger: logger)
        let logger = self.logger
        let onReady = self.onReady
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "Hotline"),
            onServerRunning: { channel in
                let bound = channel.localAddress.flatMap { address in address.port.map { HostPort(host: address.ipAddress ?? "?", port: $0) } }
                logger.info("HTTP API listening", metadata: ["http.address": "\(bound?.description ?? "?")"])
                if let bound { onReady?(bound) }
            },
            logger: logger)
    }

    /// The routes with Basic sign-in only and no events (the routing API's unit tests).
    static func router(commands: any RoutingCommands, authenticator: BasicAuthenticator,
                       now: @escaping @Sendable () -> Int64, logger: Logger) -> Router<APIRequestContext> {
        let auth = APIAuthentication(basic: authenticator, secureCookies: true, lookUp: { _ in nil }, monotonic: now, logger: logger)
        return router(commands: commands, auth: auth, hub: EventHub(node: "test", logger: logger),
                      viewers: { EventViewer(username: $0.username, roles: $0.roles) }, webRoot: nil, resources: Resources(),
                      logger: logger)
    }

    /// Every route, with JSON errors for the rest: 404 for an unknown path, 405 with
    /// `Allow` for a known path asked with another method.
    static func router(commands: any RoutingCommands, auth: APIAuthentication, hub: EventHub,
                       viewers: @escaping @Sendable (APIPrincipal) async -> EventViewer, webRoot: String?,
                       resources: Resources, logger: Logger) -> Router<APIRequestContext> {
        routeTable(commands: commands, auth: auth, hub: hub, viewers: viewers, webRoot: webRoot, resources: resources, logger: logger).router
    }

    /// The router with the list of its routes (the OpenAPI test checks each is documented).
    static func routeTable(commands: any RoutingCommands, auth: APIAuthentication, hub: EventHub,
                           viewers: @escaping @Sendable (APIPrincipal) async -> EventViewer, webRoot: String?,
                           resources: Resources, logger: Logger) -> RouteTable {
        let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Before any route, so it wraps them all and the not-found responder too.
        router.add(middleware: APIErrorMiddleware(logger: logger))
        let access = APIAccess(teams: resources.teams)
        let agents = AgentRoutes(commands: commands, auth: auth, access: access, logger: logger)
        let sessions = SessionRoutes(auth: auth)
        var table = RouteTable(router: router)
        table.add(.get, "/api/v1/health") { _, _ in APIJSON.response(APIHealth(status: "ok")) }
        table.add(.post, "/api/v1/sessions", sessions.create)
        table.add(.get, "/api/v1/session", sessions.current)
        table.add(.delete, "/api/v1/session", sessions.delete)
        table.add(.get, "/api/v1/agents", agents.listAgents)
        table.add(.get, "/api/v1/agents/{id}", agents.agent)
        table.add(.post, "/api/v1/agents/{id}/login", agents.login)
        table.add(.post, "/api/v1/agents/{id}/logout", agents.logout)
        table.add(.put, "/api/v1/agents/{id}/state", agents.setState)
        table.add(.post, "/api/v1/agents/{id}/wrap-up", agents.wrapUp)
        table.add(.post, "/api/v1/agents/{id}/transfer", agents.transfer)
        table.add(.post, "/api/v1/agents/{id}/consult", agents.consult)
        table.add(.post, "/api/v1/agents/{id}/consult/complete", agents.completeTransfer)
        table.add(.post, "/api/v1/agents/{id}/consult/cancel", agents.cancelConsultation)
        table.add(.post, "/api/v1/agents/{id}/hold", agents.hold)
        table.add(.post, "/api/v1/agents/{id}/resume", agents.resume)
        table.add(.post, "/api/v1/agents/{id}/hangup", agents.hangup)
        table.add(.post, "/api/v1/agents/{id}/dial", agents.dial)
        table.add(.get, "/api/v1/queues", agents.queues)
        let reference = ReferenceRoutes(store: resources.store, commands: commands, auth: auth, dispositions: resources.dispositions,
                                        reasons: resources.reasons, openAPIPath: resources.openAPIPath, access: access, now: resources.now)
        table.add(.get, "/openapi.yaml", reference.openAPI)
        table.add(.get, "/api/v1/dispositions", reference.listDispositions)
        table.add(.get, "/api/v1/reasons", reference.listReasons)
        table.add(.get, "/api/v1/agents/{id}/stats", reference.stats)
        if let store = resources.store {
            let interactions = InteractionRoutes(store: store, commands: commands, auth: auth, access: access, logger: logger)
            table.add(.get, "/api/v1/interactions", interactions.list)
            table.add(.get, "/api/v1/interactions/{id}", interactions.one)
            table.add(.put, "/api/v1/interactions/{id}/customer", interactions.attachCustomer)
            table.add(.get, "/api/v1/recordings/{id}", interactions.recording)
            let customers = CustomerRoutes(store: store, commands: commands, auth: auth, logger: logger, now: resources.now)
            table.add(.get, "/api/v1/customers", customers.search)
            table.add(.post, "/api/v1/customers", customers.create)
            table.add(.get, "/api/v1/customers/{id}", customers.one)
            table.add(.patch, "/api/v1/customers/{id}", customers.update)
            if let backend = resources.admin {
                let admin = AdminRoutes(backend: backend, store: store, auth: auth, logger: logger, now: resources.now)
                table.add(.get, "/api/v1/admin/agents", admin.listAgents)
                table.add(.get, "/api/v1/admin/agents/{id}", admin.agent)
                table.add(.put, "/api/v1/admin/agents/{id}", admin.putAgent)
                table.add(.get, "/api/v1/admin/queues", admin.listQueues)
                table.add(.get, "/api/v1/admin/queues/{id}", admin.queue)
                table.add(.put, "/api/v1/admin/queues/{id}", admin.putQueue)
                table.add(.get, "/api/v1/admin/lines", admin.listLines)
                table.add(.get, "/api/v1/admin/lines/{number}", admin.getLine)
                table.add(.put, "/api/v1/admin/lines/{number}", admin.putLine)
                table.add(.get, "/api/v1/admin/flows", admin.listFlows)
                table.add(.post, "/api/v1/admin/flows/validate", admin.validateFlow)
                table.add(.put, "/api/v1/admin/flows/{name}", admin.putFlow)
                table.add(.get, "/api/v1/admin/audit", admin.audit)
            }
        }
        EventRoutes(hub: hub, auth: auth, viewers: viewers, logger: logger).register(on: router)
        table.recordExternal(.get, "/api/v1/events")
        if let webRoot {
            let web = WebFiles(root: webRoot)
            router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/desktop/"]) }
            table.add(.get, "/desktop/", web.serve)
            table.add(.get, "/desktop/{file}", web.serve)
        }
        table.refuseOtherMethods()
        return table
    }
}

/// What the API's sign-in reads of a stored user.
public typealias APIAuthenticationUser = APIAuthentication.StoredUser

/// The per-request context: Hummingbird's core plus the client's address (the key for
/// throttling failed sign-ins).
public struct APIRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil when there is no socket (in-process tests).
    public let remoteAddress: SocketAddress?
    public let webSocket: WebSocketHandlerReference<APIRequestContext>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        webSocket = .init()
    }
}

/// Registers routes and remembers each path's methods, so that the other methods on a
/// known path answer 405 with `Allow` (Hummingbird's router answers 404 to them).
struct RouteTable {
    let router: Router<APIRequestContext>
    private(set) var methods: [(path: String, methods: [HTTPRequest.Method])] = []

    init(router: Router<APIRequestContext>) { self.router = router }

    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    mutating func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method, use: handler)
        recordExternal(method, path)
    }

    /// Notes a route registered another way (the WebSocket upgrade), for 405s and the list.
    mutating func recordExternal(_ method: HTTPRequest.Method, _ path: String) {
        if let i = methods.firstIndex(where: { $0.path == path }) {
            methods[i].methods.append(method)
        } else {
            methods.append((path, [method]))
        }
    }

    /// Answers 405 to the usual methods a path does not take. HEAD is answered wherever
    /// GET is (the router's `autoGenerateHeadEndpoints`).
    func refuseOtherMethods() {
        let usual: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        for (path, registered) in methods {
            let allowed = registered.contains(.get) ? registered + [.head] : registered
            for method in usual where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIError.methodNotAllowed(method: method, path: request.uri.path, allowed: allowed)
                }
            }
        }
    }
}

/// Turns whatever a route throws into the API's JSON error: ``APIError`` and
/// ``RoutingCommandError`` as they say, Hummingbird's own errors by their status, anything
/// else a logged 500. No HTML, no empty error bodies.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response()
        } catch let error as RoutingCommandError {
            return APIError(error).response()
        } catch let error as HTTPError {
            if error.status == .notFound { return APIError.routeNotFound(method: request.method, path: request.uri.path).response() }
            return APIError(code: "http-\(error.status.code)", message: error.body ?? error.status.reasonPhrase, status: error.status,
                            headers: error.headers).response()
        } catch is NIOTooManyBytesError {
            return APIError.bodyTooLarge(limit: APIRequestBody.maximumBytes).response()
        } catch {
            logger.error("API request failed", metadata: ["http.method": "\(request.method.rawValue)",
                                                          "http.path": "\(request.uri.path)", "error": "\(error)"])
            return APIError.internal.response()
        }
    }
}
