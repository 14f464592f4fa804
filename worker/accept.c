/*
 * Accepting clients on this slot's listening sockets (inherited from the
 * master).  Batches are bounded so one busy socket cannot starve the
 * sessions; running out of descriptors pauses accepting instead of
 * spinning.  loop.c starts and stops this; clients go to session.c.
 */
#include "worker.h"

#include <sys/socket.h>
#include <unistd.h>

/* Clients connected to the whole proxy: every slot's client_active. */
static int64_t
clients_now(const struct obp_worker *w)
{
    struct obp_shm_worker *slot;
    uint64_t               sum = 0;

    for (unsigned i = 0; i < OBP_SHM_MAX_WORKERS; i++) {
        slot = obp_shm_worker(w->shm, i);
        if (slot == NULL)
            break;      /* past the last slot of the segment */
        sum += atomic_load_explicit(&slot->stat[OBP_STAT_client_active],
                                    memory_order_relaxed);
    }
    /* a gauge is stored as a wrapping unsigned value: read it signed */
    return (int64_t)sum;
}

/* One non-blocking attempt at telling the client why, then close. */
static void
refuse(struct obp_accept *a, int fd, const struct obp_addr *peer,
       int64_t limit)
{
    struct obp_worker *w = a->w;
    uint8_t            pkt[64];
    size_t             len;
    ev_tstamp          now = ev_now(w->loop);

    len = obp_pkt_err(pkt, sizeof(pkt), 0, OBP_ER_CON_COUNT_ERROR, "08004",
                      "Too many connections");
    if (len > 0 && send(fd, pkt, len, MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
        obp_log(OBP_LOG_DEBUG, 0, errno, "error packet to client %s",
                peer->text);
    if (close(fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "close client %s", peer->text);
    obp_stat_add(w->stats, OBP_STAT_client_refused, 1);
    if (now - a->max_warn_at >= 1.0) {
        a->max_warn_at = now;
        obp_log(OBP_LOG_WARN, 0, 0, "client_max_connections (%lld) "
                "reached, refusing %s", (long long)limit, peer->text);
    }
}

static void
take_client(struct obp_accept *a, int fd, const struct sockaddr *sa,
            socklen_t salen)
{
    struct obp_worker *w = a->w;
    int64_t            limit = w->conf->client_max_connections;
    struct obp_addr    peer;

    obp_addr_from_sa(&peer, sa, salen);
    if (limit > 0 && clients_now(w) >= limit) {
        refuse(a, fd, &peer, limit);
        return;
    }
    /* TCP options come from the listening socket (sockopt.h) */
    obp_stat_add(w->stats, OBP_STAT_client_accepted, 1);
    obp_session_start(w, fd, &peer);
}

static void
watchers_stop(struct obp_accept *a)
{
    for (int i = 0; i < a->n; i++)
        ev_io_stop(a->w->loop, &a->io[i]);
}

/* Out of descriptors or memory: stand still a moment, say so rarely. */
static void
pause_accepting(struct obp_accept *a, int err)
{
    ev_tstamp now = ev_now(a->w->loop);

    if (now - a->fd_warn_at >= 1.0) {
        a->fd_warn_at = now;
        obp_log(OBP_LOG_WARN, 0, err, "accept failed, paused for %d ms",
                (int)(OBP_ACCEPT_PAUSE * 1000));
    }
    watchers_stop(a);
    ev_timer_set(&a->pause, OBP_ACCEPT_PAUSE, 0.);
    ev_timer_start(a->w->loop, &a->pause);
}

/* Errors a listening socket reports for one connection, not for itself. */
static bool
transient(int err)
{
    switch (err) {
    case EINTR: case ECONNABORTED: case EPROTO: case EPERM:
    case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN: case ENONET:
    case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
        return true;
    default:
        return false;
    }
}

static void
accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_accept       *a = io->data;
    struct sockaddr_storage  ss;
    socklen_t                sslen;
    int                      fd;

    for (int i = 0; i < OBP_ACCEPT_BATCH && a->enabled; i++) {
        sslen = sizeof(ss);
        fd = accept4(io->fd, (struct sockaddr *)&ss, &sslen,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd != -1) {
            take_client(a, fd, (struct sockaddr *)&ss, sslen);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (transient(errno))
            continue;
        /*
         * EMFILE, ENFILE, ENOBUFS, ENOMEM, or a socket in a state we do
         * not expect: retrying at once would only spin the loop.
         */
        pause_accepting(a, errno);
        return;
    }
}

static void
pause_done_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_accept *a = t->data;

    if (!a->enabled)
        return;
    for (int i = 0; i < a->n; i++)
        ev_io_start(loop, &a->io[i]);
}

void
obp_accept_init(struct obp_accept *a, struct obp_worker *w, const int *fds,
                int n)
{
    a->w = w;
    a->n = n < OBP_MAX_LISTEN_PER_SLOT ? n : OBP_MAX_LISTEN_PER_SLOT;
    ev_timer_init(&a->pause, pause_done_cb, OBP_ACCEPT_PAUSE, 0.);
    a->pause.data = a;
    a->fd_warn_at = -1.0;
    a->max_warn_at = -1.0;
    a->enabled = 1;
    a->closed = 0;
    for (int i = 0; i < a->n; i++) {
        ev_io_init(&a->io[i], accept_cb, fds[i], EV_READ);
        a->io[i].data = a;
        ev_io_start(w->loop, &a->io[i]);
    }
    obp_accept_sockopt(a);
}

void
obp_accept_sockopt(struct obp_accept *a)
{
    const char *what;

    for (int i = 0; i < a->n; i++) {
        if (obp_sockopt_apply(a->io[i].fd, a->w->conf, 1, &what) != OBP_OK)
            obp_log(OBP_LOG_WARN, 0, errno, "worker %d: %s on listening "
                    "fd %d, for its clients", a->w->slot, what,
                    a->io[i].fd);
    }
}

void
obp_accept_stop(struct obp_accept *a)
{
    if (a->w == NULL)
        return;
    a->enabled = 0;
    watchers_stop(a);
    ev_timer_stop(a->w->loop, &a->pause);
}

void
obp_accept_resume(struct obp_accept *a)
{
    if (a->w == NULL || a->closed || a->enabled)
        return;
    a->enabled = 1;
    for (int i = 0; i < a->n; i++)
        ev_io_start(a->w->loop, &a->io[i]);
}

void
obp_accept_close(struct obp_accept *a)
{
    obp_accept_stop(a);
    if (a->w == NULL || a->closed)
        return;
    a->closed = 1;
    for (int i = 0; i < a->n; i++) {
        if (close(a->io[i].fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "close listening fd %d",
                    a->io[i].fd);
    }
}
