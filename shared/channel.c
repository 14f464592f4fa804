/*
 * The master -> worker channel (channel.h): a SOCK_SEQPACKET socketpair
 * whose messages are a struct obp_chan_hdr and an optional payload.  The
 * master creates a pair per worker and sends; the worker receives from
 * its loop.
 */
#include "obp.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Two whole messages may queue; the kernel adds its own overhead. */
#define CHAN_MSG_MAX  (sizeof(struct obp_chan_hdr) + OBP_CHAN_MAX_PAYLOAD)
#define CHAN_BUF_WANT ((int)(2 * CHAN_MSG_MAX + 4096))
#define CHAN_SKB_SLACK 1024     /* the kernel's per-message accounting */

/* Tries the privileged option first; a refusal is not an error. */
static void
raise_buf(int fd, int force_opt, int opt)
{
    int want = CHAN_BUF_WANT;

    if (setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) == 0)
        return;
    (void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
}

/* ENOBUFS when the send buffer cannot hold one full message. */
static int
check_sndbuf(int fd)
{
    int       got = 0;
    socklen_t len = sizeof(got);

    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == -1)
        return OBP_ERROR;
    if ((size_t)got < CHAN_MSG_MAX + CHAN_SKB_SLACK) {
        errno = ENOBUFS;
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_chan_pair(int fds[2])
{
    int err;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   fds) == -1)
        return OBP_ERROR;
    for (int i = 0; i < 2; i++) {
        raise_buf(fds[i], SO_SNDBUFFORCE, SO_SNDBUF);
        raise_buf(fds[i], SO_RCVBUFFORCE, SO_RCVBUF);
        if (check_sndbuf(fds[i]) == OBP_ERROR)
            goto failed;
    }
    return OBP_OK;

failed:
    err = errno;
    close(fds[0]);
    close(fds[1]);
    fds[0] = fds[1] = -1;
    errno = err;
    return OBP_ERROR;
}

int
obp_chan_send(int fd, uint32_t cmd, const void *payload, size_t len)
{
    struct obp_chan_hdr hdr = { .cmd = cmd, .len = (uint32_t)len };
    struct iovec        iov[2];
    struct msghdr       msg = { .msg_iov = iov, .msg_iovlen = 1 };
    ssize_t             n;

    if (len > OBP_CHAN_MAX_PAYLOAD || (len > 0 && payload == NULL)) {
        errno = EMSGSIZE;
        return OBP_ERROR;
    }
    iov[0].iov_base = &hdr;
    iov[0].iov_len = sizeof(hdr);
    if (len > 0) {
        iov[1].iov_base = (void *)(uintptr_t)payload;
        iov[1].iov_len = len;
        msg.msg_iovlen = 2;
    }
    do {
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (n == -1 && errno == EINTR);
    if (n == -1)
        return errno == EAGAIN || errno == EWOULDBLOCK ? OBP_AGAIN
                                                       : OBP_ERROR;
    /* A seqpacket send is all or nothing; anything else is a bug. */
    if ((size_t)n != sizeof(hdr) + len) {
        errno = EMSGSIZE;
        return OBP_ERROR;
    }
    return OBP_OK;
}

ssize_t
obp_chan_recv(int fd, uint32_t *cmd, void *buf, size_t cap)
{
    struct obp_chan_hdr hdr;
    struct iovec        iov[2];
    struct msghdr       msg = { .msg_iov = iov, .msg_iovlen = 1 };
    ssize_t             n;

    iov[0].iov_base = &hdr;
    iov[0].iov_len = sizeof(hdr);
    if (cap > 0 && buf != NULL) {
        iov[1].iov_base = buf;
        iov[1].iov_len = cap;
        msg.msg_iovlen = 2;
    }
    do {
        n = recvmsg(fd, &msg, 0);
    } while (n == -1 && errno == EINTR);
    if (n == -1)
        return errno == EAGAIN || errno == EWOULDBLOCK ? OBP_AGAIN
                                                       : OBP_ERROR;
    if (n == 0)
        return OBP_DONE;    /* every message has a header: this is EOF */
    if (msg.msg_flags & MSG_TRUNC) {
        errno = EMSGSIZE;
        return OBP_ERROR;
    }
    if ((size_t)n < sizeof(hdr) || hdr.len != (size_t)n - sizeof(hdr)) {
        errno = EPROTO;
        return OBP_ERROR;
    }
    *cmd = hdr.cmd;
    return (ssize_t)hdr.len;
}
