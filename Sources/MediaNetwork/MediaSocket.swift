import CMediaSocket
import Media

#if canImport(Glibc)
import Glibc
#endif

/// A leg's RTP or RTCP socket: non-blocking UDP that the media clock polls once per tick.
///
/// Why not a NIO channel per socket: a channel wakes the event loop for each datagram
/// (epoll, a read, a read that finds nothing, a buffer, an envelope, the pipeline), which
/// for 50 packets a second per call cost more than everything else a call does. Polled on
/// the clock, a leg costs one `recvmmsg` and one `sendto` per 20 ms; datagrams keep their
/// kernel arrival time, so jitter (RFC 3550 §6.4.1) is measured as if read at once.
struct MediaSocket {
    let descriptor: Int32

    /// Binds host:port (numeric). Throws when the port is taken or the host is not ours.
    static func open(host: String, port: Int) throws(MediaNetworkError) -> MediaSocket {
        let fd = hl_media_open(host, Int32(port), 0)
        guard fd >= 0 else {
            throw MediaNetworkError("cannot bind \(host):\(port): \(String(cString: strerror(-fd)))")
        }
        return MediaSocket(descriptor: fd)
    }

    /// Sends one datagram; returns the errno when it could not (a full send buffer drops it:
    /// late audio is worth nothing).
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer, to target: MediaSocketAddress) -> Int32 {
        withUnsafePointer(to: target.storage) { to in
            hl_media_send(descriptor, bytes.baseAddress, bytes.count, to, target.length)
        }
    }

    func close() { hl_media_close(descriptor) }
}

/// A socket address in the form the kernel takes, converted from a transport address once.
struct MediaSocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    init?(_ address: RTPTransportAddress) {
        // 0.0.0.0 (RFC 2543 hold) or port 0: nowhere to send.
        guard address.port > 0, address.host != "0.0.0.0", address.host != "::" else { return nil }
        length = hl_media_address(address.host, Int32(address.port), &storage)
        guard length > 0 else { return nil }
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    func sameAddress(as other: sockaddr_storage) -> Bool {
        withUnsafePointer(to: storage) { a in withUnsafePointer(to: other) { b in hl_media_same_address(a, b) != 0 } }
    }

    var transportAddress: RTPTransportAddress {
        var host = [CChar](repeating: 0, count: 64)
        let port = withUnsafePointer(to: storage) { hl_media_format($0, &host, host.count) }
        return RTPTransportAddress(host: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                                   port: Int(max(port, 0)))
    }
}

/// Receive buffers shared by every leg of a loop (one thread), reused each poll.
final class MediaReceiveBatch {
    static let slotBytes = 2048
    static let slots = Int(HL_MEDIA_BATCH)
    let buffers: UnsafeMutableRawPointer
    let datagrams: UnsafeMutablePointer<hl_datagram>

    init() {
        buffers = .allocate(byteCount: Self.slotBytes * Self.slots, alignment: 16)
        datagrams = .allocate(capacity: Self.slots)
        datagrams.initialize(repeating: hl_datagram(), count: Self.slots)
    }

    deinit {
        buffers.deallocate()
        datagrams.deallocate()
    }

    /// Reads what waits on `socket` (at most `slots`); returns how many, 0 on none or error.
    func receive(_ socket: MediaSocket, kernelDrops: inout UInt32) -> Int {
        let n = hl_media_receive(socket.descriptor, buffers.assumingMemoryBound(to: UInt8.self),
                                 Int32(Self.slotBytes), datagrams, Int32(Self.slots), &kernelDrops)
        return n > 0 ? Int(n) : 0
    }

    /// Datagram `i` of the last receive: its bytes (nil when it did not fit a slot), source and arrival.
    func bytes(_ i: Int) -> UnsafeRawBufferPointer? {
        let length = Int(datagrams[i].length)
        guard length >= 0 else { return nil }
        return UnsafeRawBufferPointer(start: buffers + i * Self.slotBytes, count: length)
    }
}
