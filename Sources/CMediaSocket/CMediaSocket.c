#define _GNU_SOURCE
#include "CMediaSocket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

socklen_t hl_media_address(const char *host, int port, struct sockaddr_storage *out) {
    memset(out, 0, sizeof(*out));
    if (port < 0 || port > 65535) return 0;
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return sizeof(struct sockaddr_in);
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return sizeof(struct sockaddr_in6);
    }
    return 0;
}

int hl_media_format(const struct sockaddr_storage *address, char *host, size_t host_size) {
    if (address->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        if (!inet_ntop(AF_INET, &v4->sin_addr, host, (socklen_t)host_size)) return -1;
        return ntohs(v4->sin_port);
    }
    if (address->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        if (!inet_ntop(AF_INET6, &v6->sin6_addr, host, (socklen_t)host_size)) return -1;
        return ntohs(v6->sin6_port);
    }
    return -1;
}

int hl_media_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    if (a->ss_family != b->ss_family) return 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return 0;
}

int hl_media_open(const char *host, int port, int receive_buffer_bytes) {
    struct sockaddr_storage address;
    socklen_t length = hl_media_address(host, port, &address);
    if (length == 0) return -EINVAL;
    int fd = socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int on = 1;
    // Arrival times for jitter (RFC 3550 §6.4.1) stay exact although the clock reads late.
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    // Datagrams the kernel dropped because the queue was full (a flood) are counted.
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
    if (receive_buffer_bytes > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
    if (bind(fd, (struct sockaddr *)&address, length) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

int hl_media_receive(int fd, uint8_t *buffers, int buffer_size, hl_datagram *datagrams, int count,
                     uint32_t *kernel_drops) {
    if (count > HL_MEDIA_BATCH) count = HL_MEDIA_BATCH;
    if (count <= 0) return 0;
    struct mmsghdr messages[HL_MEDIA_BATCH];
    struct iovec vectors[HL_MEDIA_BATCH];
    // Room for SCM_TIMESTAMPNS (timespec) and SO_RXQ_OVFL (uint32) per datagram.
    union {
        char bytes[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
        struct cmsghdr align;
    } control[HL_MEDIA_BATCH];
    for (int i = 0; i < count; i++) {
        vectors[i].iov_base = buffers + (size_t)i * (size_t)buffer_size;
        vectors[i].iov_len = (size_t)buffer_size;
        memset(&messages[i], 0, sizeof(messages[i]));
        messages[i].msg_hdr.msg_name = &datagrams[i].source;
        messages[i].msg_hdr.msg_namelen = sizeof(datagrams[i].source);
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = control[i].bytes;
        messages[i].msg_hdr.msg_controllen = sizeof(control[i].bytes);
    }
    int received;
    do {
        received = recvmmsg(fd, messages, (unsigned int)count, MSG_DONTWAIT, NULL);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    for (int i = 0; i < received; i++) {
        struct msghdr *header = &messages[i].msg_hdr;
        hl_datagram *d = &datagrams[i];
        d->length = (header->msg_flags & MSG_TRUNC) ? -1 : (int32_t)messages[i].msg_len;
        d->source_length = header->msg_namelen;
        d->realtime_ns = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(header); c; c = CMSG_NXTHDR(header, c)) {
            if (c->cmsg_level != SOL_SOCKET) continue;
            if (c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                d->realtime_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            } else if (c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof(drops));
                *kernel_drops = drops;
            }
        }
    }
    return received;
}

int hl_media_send(int fd, const void *bytes, size_t length, const struct sockaddr_storage *to,
                  socklen_t to_length) {
    ssize_t sent;
    do {
        sent = sendto(fd, bytes, length, MSG_DONTWAIT, (const struct sockaddr *)to, to_length);
    } while (sent < 0 && errno == EINTR);
    return sent < 0 ? errno : 0;
}

void hl_media_close(int fd) {
    if (fd >= 0) close(fd);
}

int hl_media_set_thread_nice(int nice) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    return setpriority(PRIO_PROCESS, (id_t)tid, nice) == 0 ? 0 : errno;
}

int hl_media_set_thread_realtime(int priority) {
    struct sched_param param;
    memset(&param, 0, sizeof(param));
    param.sched_priority = priority;
    return pthread_setschedparam(pthread_self(), SCHED_RR, &param);
}
