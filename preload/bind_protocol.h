/* The bind hand-off protocol between librein-bind.so (inside an app) and reind: one request
 * datagram, one reply datagram, on a SOCK_SEQPACKET connection to the daemon's abstract socket
 * ($REIN_BIND_SOCKET). Plain C, header only: the preload library cannot link C++, and the daemon
 * and the unit tests share the same encoding. */
#ifndef REIN_BIND_PROTOCOL_H
#define REIN_BIND_PROTOCOL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Names the daemon's socket in the app's environment ("@rein-<hash>.bind"). */
#define REIN_BIND_ENV "REIN_BIND_SOCKET"
/** First word of every message: protocol version 1 ("RBN1"). */
#define REIN_BIND_MAGIC 0x52424e31u
/** Socket options of the app's socket that the daemon applies to the one it binds. */
#define REIN_BIND_REUSEADDR 1u
#define REIN_BIND_REUSEPORT 2u
#define REIN_BIND_V6ONLY 4u
/** Reply error meaning "not for the daemon": the library calls the real bind(). */
#define REIN_BIND_DECLINE (-1)
/** The backlog the daemon listens with; an app's smaller listen() backlog is not applied. */
#define REIN_BIND_BACKLOG 4096

/** What the app asked to bind, with the options it had set on its socket. */
struct rein_bind_request {
    uint32_t magic;
    uint32_t flags;    /* REIN_BIND_REUSEADDR | ... */
    uint32_t addr_len; /* bytes of `addr` that count */
    uint32_t reserved; /* 0 */
    struct sockaddr_storage addr;
};

/** The answer: error 0 comes with the listening socket (SCM_RIGHTS); an errno value is what
 * bind() fails with; REIN_BIND_DECLINE sends the app to the real bind(). */
struct rein_bind_reply {
    uint32_t magic;
    int32_t error;
};

/** 1 when bind() of this address is the daemon's business: TCP over IPv4 or IPv6 with a
 * non-zero port, or a Unix socket path (not an abstract name, not unnamed). */
static inline int rein_bind_wanted(const struct sockaddr* addr, size_t len) {
    if (!addr || len < sizeof(sa_family_t)) return 0;
    if (addr->sa_family == AF_INET) {
        struct sockaddr_in in;
        if (len < sizeof in) return 0;
        memcpy(&in, addr, sizeof in);
        return in.sin_port != 0;
    }
    if (addr->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        if (len < sizeof in6) return 0;
        memcpy(&in6, addr, sizeof in6);
        return in6.sin6_port != 0;
    }
    if (addr->sa_family == AF_UNIX) {
        const size_t path = offsetof(struct sockaddr_un, sun_path);
        return len > path && len <= sizeof(struct sockaddr_un) && ((const char*)addr)[path] != 0;
    }
    return 0;
}

/** Fills `req`; 0, or -1 when the address is not one to hand off. */
static inline int rein_bind_encode(struct rein_bind_request* req, const struct sockaddr* addr,
                                   size_t len, uint32_t flags) {
    memset(req, 0, sizeof *req);
    if (!rein_bind_wanted(addr, len) || len > sizeof req->addr) return -1;
    req->magic = REIN_BIND_MAGIC;
    req->flags = flags & (REIN_BIND_REUSEADDR | REIN_BIND_REUSEPORT | REIN_BIND_V6ONLY);
    req->addr_len = (uint32_t)len;
    memcpy(&req->addr, addr, len);
    return 0;
}

/** Checks `n` received bytes as a request (they come from any local process); 0 when valid. */
static inline int rein_bind_decode(const void* buf, size_t n, struct rein_bind_request* req) {
    if (n != sizeof *req) return -1;
    memcpy(req, buf, sizeof *req);
    if (req->magic != REIN_BIND_MAGIC || req->reserved != 0) return -1;
    if (req->flags & ~(uint32_t)(REIN_BIND_REUSEADDR | REIN_BIND_REUSEPORT | REIN_BIND_V6ONLY))
        return -1;
    if (req->addr_len > sizeof req->addr) return -1;
    return rein_bind_wanted((const struct sockaddr*)&req->addr, req->addr_len) ? 0 : -1;
}

#ifdef __cplusplus
}
#endif

#endif
