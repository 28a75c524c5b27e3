// Batched, non-blocking UDP for the media plane: the media clock polls each leg's socket
// once per 20 ms tick (recvmmsg) instead of waking per datagram, and sends with one
// sendto per packet. C because recvmmsg and the cmsg macros (kernel receive time,
// SO_RXQ_OVFL drop counter) are not importable from Swift.
#ifndef HOTLINE_CMEDIASOCKET_H
#define HOTLINE_CMEDIASOCKET_H

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

/// One received datagram.
typedef struct {
    /// Bytes received into its buffer; -1 when the datagram was larger than the buffer.
    int32_t length;
    /// Kernel receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) in nanoseconds; 0 if absent.
    int64_t realtime_ns;
    struct sockaddr_storage source;
    socklen_t source_length;
} hl_datagram;

/// The most datagrams one `hl_media_receive` call returns.
#define HL_MEDIA_BATCH 16

/// A non-blocking, close-on-exec UDP socket bound to host:port (numeric IPv4 or IPv6),
/// with receive timestamps and the kernel's drop counter turned on. Returns the
/// descriptor, or -errno (EADDRINUSE, EINVAL for an address that does not parse, ...).
int hl_media_open(const char *host, int port, int receive_buffer_bytes);

/// Up to `count` (≤ HL_MEDIA_BATCH) datagrams waiting on `fd`, without blocking, into
/// `buffers` (`count` slots of `buffer_size` bytes) and `datagrams`. Returns how many
/// (0 when none wait), or -errno. `*kernel_drops` is set to the socket's cumulative
/// SO_RXQ_OVFL counter when a datagram carried it (left alone otherwise).
int hl_media_receive(int fd, uint8_t *buffers, int buffer_size, hl_datagram *datagrams, int count,
                     uint32_t *kernel_drops);

/// Sends one datagram without blocking. Returns 0, or the errno (EAGAIN when the send
/// buffer is full, ECONNREFUSED after an ICMP port unreachable, ...).
int hl_media_send(int fd, const void *bytes, size_t length, const struct sockaddr_storage *to,
                  socklen_t to_length);

/// Parses a numeric host and a port into a socket address. Returns its length, or 0.
socklen_t hl_media_address(const char *host, int port, struct sockaddr_storage *out);

/// Formats a socket address's host into `host` (≥ 46 bytes) and returns its port, or -1.
int hl_media_format(const struct sockaddr_storage *address, char *host, size_t host_size);

/// Whether two socket addresses are the same host and port.
int hl_media_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/// Sets the calling thread's nice value (Linux: per thread). Returns 0, or the errno
/// (EACCES/EPERM without CAP_SYS_NICE when raising).
int hl_media_set_thread_nice(int nice);

/// Puts the calling thread in the round-robin real-time class (SCHED_RR) at `priority`
/// (1-99). Returns 0, or the errno (EPERM without CAP_SYS_NICE or without a real-time
/// budget in the thread's cgroup).
int hl_media_set_thread_realtime(int priority);

/// Closes a media socket.
void hl_media_close(int fd);

#endif
