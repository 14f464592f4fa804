/*
 * Sessions handed between generations (handoff.h).
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SNDBUF (OBP_SEXPORT_MAX + 64 * 1024)

/* The abstract address of master <pid>'s worker <slot>; its length. */
static socklen_t
address(struct sockaddr_un *sa, pid_t pid, int slot)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
                 "obproxy-handoff-%ld-%d", (long)pid, slot);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1
                       + (size_t)n);
}

/*
 * A process of our own user: the only one to trust with a client's
 * session (any other could connect to an abstract socket; one of our
 * user could do anything to us anyway).  The sender may have exited
 * since it sent: its messages stay queued.
 */
static bool
same_user(int fd)
{
    struct ucred cred;
    socklen_t    len = sizeof(cred);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0
           && cred.uid == geteuid();
}

static void
in_close(struct obp_worker *w, int i)
{
    ev_io_stop(w->loop, &w->handoff.in_w[i]);
    if (close(w->handoff.in_fd[i]) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "handoff: close");
    w->handoff.in_fd[i] = -1;
}

/* One message: an export and the client's socket. */
static void
receive(struct obp_worker *w, int i)
{
    struct obp_handoff *h = &w->handoff;
    char                ctl[CMSG_SPACE(sizeof(int))];
    struct iovec        iov = { h->buf, OBP_SEXPORT_MAX };
    struct msghdr       msg = { 0 };
    struct cmsghdr     *cm;
    ssize_t             n;
    int                 fd = -1;

    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof(ctl);
    n = recvmsg(h->in_fd[i], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n == -1 && (errno == EAGAIN || errno == EINTR))
        return;
    cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cm != NULL && cm->cmsg_level == SOL_SOCKET
        && cm->cmsg_type == SCM_RIGHTS
        && cm->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
    if (n <= 0 || fd == -1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        if (n != 0)
            obp_log(OBP_LOG_WARN, 0, n == -1 ? errno : 0, "handoff: a bad "
                    "message from the previous generation");
        if (fd != -1 && close(fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "handoff: close");
        in_close(w, i);
        return;
    }
    (void)obp_session_resume(w, fd, h->buf, (size_t)n);
}

static void
in_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_worker *w = io->data;

    receive(w, (int)(io - w->handoff.in_w));
}

static void
accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_worker  *w = io->data;
    struct obp_handoff *h = &w->handoff;
    int                 fd, i;

    fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd == -1)
        return;
    for (i = 0; i < OBP_HANDOFF_PEERS && h->in_fd[i] != -1; i++)
        ;
    if (i == OBP_HANDOFF_PEERS || !same_user(fd)) {
        obp_log(OBP_LOG_WARN, 0, 0, "handoff: a connection refused (%s)",
                i == OBP_HANDOFF_PEERS ? "too many" : "another user");
        if (close(fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "handoff: close");
        return;
    }
    h->in_fd[i] = fd;
    ev_io_init(&h->in_w[i], in_cb, fd, EV_READ);
    h->in_w[i].data = w;
    ev_io_start(w->loop, &h->in_w[i]);
}

void
obp_handoff_init(struct obp_handoff *h)
{
    memset(h, 0, sizeof(*h));
    h->listen_fd = -1;
    h->out_fd = -1;
    for (int i = 0; i < OBP_HANDOFF_PEERS; i++)
        h->in_fd[i] = -1;
}

void
obp_handoff_listen(struct obp_worker *w)
{
    struct obp_handoff *h = &w->handoff;
    struct sockaddr_un  sa;
    socklen_t           len = address(&sa, getppid(), w->slot);

    h->buf = malloc(OBP_SEXPORT_MAX);
    h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK
                          | SOCK_CLOEXEC, 0);
    if (h->buf == NULL || h->listen_fd == -1
        || bind(h->listen_fd, (struct sockaddr *)&sa, len) == -1
        || listen(h->listen_fd, OBP_HANDOFF_PEERS) == -1) {
        obp_log(OBP_LOG_WARN, 0, errno, "worker %d: no handoff socket: "
                "sessions drain at the next hot upgrade", w->slot);
        obp_handoff_stop(w);
        return;
    }
    ev_io_init(&h->lw, accept_cb, h->listen_fd, EV_READ);
    h->lw.data = w;
    ev_io_start(w->loop, &h->lw);
}

static void
out_close(struct obp_handoff *h)
{
    if (h->out_fd != -1 && close(h->out_fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "handoff: close");
    h->out_fd = -1;
}

void
obp_handoff_stop(struct obp_worker *w)
{
    struct obp_handoff *h = &w->handoff;

    if (h->listen_fd != -1) {
        ev_io_stop(w->loop, &h->lw);
        if (close(h->listen_fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "handoff: close");
        h->listen_fd = -1;
    }
    for (int i = 0; i < OBP_HANDOFF_PEERS; i++)
        if (h->in_fd[i] != -1)
            in_close(w, i);
    out_close(h);
    free(h->buf);
    h->buf = NULL;
}

void
obp_handoff_peer(struct obp_worker *w, pid_t peer)
{
    out_close(&w->handoff);
    w->handoff.peer = peer;
}

/* The connection to the next generation's worker of our slot. */
static int
connected(struct obp_worker *w)
{
    struct obp_handoff *h = &w->handoff;
    struct sockaddr_un  sa;
    socklen_t           len = address(&sa, h->peer, w->slot);
    int                 size = SNDBUF;

    if (h->out_fd != -1)
        return OBP_OK;
    h->out_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (h->out_fd == -1
        || connect(h->out_fd, (struct sockaddr *)&sa, len) == -1) {
        obp_log(OBP_LOG_WARN, 0, errno, "handoff: no worker %d of pid %ld "
                "to hand sessions to: they drain", w->slot, (long)h->peer);
        out_close(h);
        h->peer = 0;
        return OBP_ERROR;
    }
    (void)setsockopt(h->out_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return OBP_OK;
}

/* Sends the export in h->buf (<n> bytes) with the client's socket. */
static int
send_session(struct obp_handoff *h, size_t n, int fd)
{
    char            ctl[CMSG_SPACE(sizeof(int))];
    struct iovec    iov = { h->buf, n };
    struct msghdr   msg = { 0 };
    struct cmsghdr *cm;

    memset(ctl, 0, sizeof(ctl));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof(ctl);
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
    return sendmsg(h->out_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL)
           == (ssize_t)n ? OBP_OK : OBP_ERROR;
}

int
obp_handoff_give(struct obp_session *s)
{
    struct obp_worker  *w = s->w;
    struct obp_handoff *h = &w->handoff;
    size_t              n;

    if (h->peer == 0 || h->buf == NULL || !obp_sexport_ok(s)
        || connected(w) != OBP_OK)
        return OBP_ERROR;
    n = obp_sexport_write(s, h->buf, OBP_SEXPORT_MAX);
    if (n == 0)
        return OBP_ERROR;       /* too large: it drains */
    if (send_session(h, n, s->cl.fd) != OBP_OK) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            obp_log(OBP_LOG_WARN, s->id, errno, "handoff to pid %ld failed: "
                    "sessions drain", (long)h->peer);
            out_close(h);
            h->peer = 0;
        }
        return OBP_ERROR;
    }
    obp_stat_add(w->stats, OBP_STAT_handoff_out, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s handed to the next "
            "generation (pid %ld)", s->caddr.text, (long)h->peer);
    obp_session_close(s, "handed to the next generation");
    return OBP_OK;
}
