// swift-tools-version:6.0
import PackageDescription

// Pure targets (see DESIGN.md) import only the standard library and each other.
// Adapters (SIPNetwork, StorageSQLite, HotlineServer) do the I/O.
let package = Package(
    name: "Hotline",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hotline", targets: ["hotline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // MARK: pure
        .target(name: "HotlineModel"),
        .target(name: "SIPMessage"),
        .target(name: "SDP"),
        .target(name: "Media"),
        .target(name: "IVR", dependencies: ["HotlineModel"]),
        // Optimised even in debug builds: its tests run the discrete-event simulator over
        // thousands of simulated hours (Erlang C checks), 10-15x slower unoptimised.
        .target(name: "ACD", dependencies: ["HotlineModel"], swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Events, their stream and who may see them; sessions; the screen pop's assembly.
        .target(name: "CTI", dependencies: ["HotlineModel"]),
        .target(name: "SIPTransaction", dependencies: ["SIPMessage"]),
        .target(name: "SIPDialog", dependencies: [
            "SIPMessage", "SIPTransaction", "SDP",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // MARK: adapters
        .target(name: "SIPNetwork", dependencies: [
            "SIPMessage", "SIPTransaction", "SIPDialog", "SDP", "HotlineModel",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "CMediaSocket"),
        .target(name: "MediaNetwork", dependencies: [
            "Media", "CMediaSocket",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        .target(name: "Speech", dependencies: [
            "Media", "HotlineModel",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Storage", dependencies: ["HotlineModel"]),
        .target(name: "StorageSQLite", dependencies: [
            "Storage", "HotlineModel",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "HotlineServer", dependencies: [
            "HotlineModel", "SIPMessage", "SDP", "SIPTransaction", "SIPDialog", "SIPNetwork",
            "Media", "MediaNetwork", "Storage", "StorageSQLite", "IVR", "ACD", "Speech", "CTI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),
        .executableTarget(name: "hotline", dependencies: [
            "HotlineServer", "HotlineModel", "IVR", "ACD", "Storage", "StorageSQLite", "Speech",
            "SIPMessage", "SDP", "SIPDialog", "SIPNetwork", "SIPTransaction", "Media", "CMediaSocket",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: tests
        .target(name: "HotlineTestSupport", dependencies: ["SIPMessage"], path: "Tests/HotlineTestSupport"),
        .testTarget(name: "HotlineModelTests", dependencies: ["HotlineModel"]),
        .testTarget(name: "SIPMessageTests", dependencies: ["SIPMessage", "HotlineTestSupport"]),
        .testTarget(name: "SDPTests", dependencies: ["SDP"]),
        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        .testTarget(name: "IVRTests", dependencies: ["IVR", "HotlineModel"]),
        .testTarget(name: "CTITests", dependencies: ["CTI", "HotlineModel"]),
        .testTarget(name: "ACDTests", dependencies: ["ACD", "HotlineModel", "Storage"]),
        .testTarget(name: "SpeechTests", dependencies: [
            "Speech", "Media", "HotlineModel",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPTransaction", "SIPMessage", "HotlineTestSupport"]),
        .testTarget(name: "SIPDialogTests", dependencies: ["SIPDialog", "SIPMessage", "SIPTransaction", "SDP", "HotlineTestSupport"]),
        .testTarget(name: "SIPNetworkTests", dependencies: [
            "SIPNetwork", "SIPMessage", "SIPTransaction", "SIPDialog", "HotlineTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "MediaNetworkTests", dependencies: [
            "MediaNetwork", "Media",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "StorageSQLite", "HotlineModel"]),
        .testTarget(name: "HotlineServerTests", dependencies: ["HotlineServer", "SIPNetwork", "SIPDialog", "SIPMessage", "SIPTransaction", "Storage", "StorageSQLite",
                                                        .product(name: "Logging", package: "swift-log"),
                                                        .product(name: "NIOCore", package: "swift-nio"),
                                                        .product(name: "NIOPosix", package: "swift-nio"),
                                                        .product(name: "NIOHTTP1", package: "swift-nio"),
                                                        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                        .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                                                        .product(name: "Yams", package: "Yams")]),
    ]
)
