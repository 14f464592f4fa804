/*
 * Client sessions: creation for accept.c, the byte relay between client
 * and server, the final ERR packet for connect.c, and teardown.  A
 * session lives on its worker's list until obp_relay_close() frees it.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void dir_read_cb(struct ev_loop *loop, ev_io *io, int revents);
static void dir_write_cb(struct ev_loop *loop, ev_io *io, int revents);

static void
dir_init(struct obp_relay_dir *d, struct obp_session *s, uint8_t *buf,
         int src, int dst)
{
    d->s = s;
    d->buf = buf;
    ev_io_init(&d->rd, dir_read_cb, src, EV_READ);
    ev_io_init(&d->wr, dir_write_cb, dst, EV_WRITE);
    d->rd.data = d;
    d->wr.data = d;
}

static const char *
src_name(const struct obp_relay_dir *d)
{
    return d == &d->s->up ? "client" : "server";
}

static const char *
dst_name(const struct obp_relay_dir *d)
{
    return d == &d->s->up ? "server" : "client";
}

static const struct obp_addr *
side_addr(const struct obp_session *s, const char *side)
{
    return side[0] == 'c' ? &s->caddr : &s->saddr;
}

/*
 * A socket error ends the session.  A reset or broken pipe is how peers
 * usually leave, so it is not worth a warning; anything else is.
 */
static void
io_error(struct obp_session *s, const char *side, const char *op, int err)
{
    int level = err == ECONNRESET || err == EPIPE ? OBP_LOG_INFO
                                                  : OBP_LOG_WARN;

    obp_log(level, s->id, err, "%s %s %s failed", op, side,
            side_addr(s, side)->text);
    obp_relay_close(s, side[0] == 'c' ? "client error" : "server error");
}

/*
 * Writes the pending bytes of <d> with one send().  OBP_OK when nothing
 * is left, OBP_AGAIN when some is, OBP_ERROR with errno set.
 */
static int
dir_flush(struct obp_relay_dir *d)
{
    ssize_t n = send(d->wr.fd, d->buf + d->off, d->len - d->off,
                     MSG_NOSIGNAL | MSG_DONTWAIT);

    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return OBP_ERROR;
        n = 0;
    }
    d->off += (size_t)n;
    if (d->off < d->len)
        return OBP_AGAIN;
    d->off = 0;
    d->len = 0;
    return OBP_OK;
}

/*
 * One read per event, as large as the buffer allows, written straight
 * on.  The read watcher stays started unless the peer pushes back, so a
 * steady stream costs no epoll_ctl.
 */
static void
dir_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_relay_dir *d = io->data;
    struct obp_session   *s = d->s;
    ssize_t               n = read(io->fd, d->buf, OBP_RELAY_BUF_SIZE);
    int                   rc;

    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            io_error(s, src_name(d), "read from", errno);
        return;
    }
    if (n == 0) {
        obp_relay_close(s, d == &s->up ? "client closed" : "server closed");
        return;
    }
    d->bytes += (uint64_t)n;
    obp_stat_add(s->w->stats, d == &s->up ? OBP_STAT_bytes_from_client
                                          : OBP_STAT_bytes_from_server, n);
    d->off = 0;
    d->len = (size_t)n;
    rc = dir_flush(d);
    if (rc == OBP_ERROR) {
        io_error(s, dst_name(d), "write to", errno);
        return;
    }
    if (rc == OBP_AGAIN) {
        /* back-pressure: the source waits until the peer drains */
        ev_io_stop(loop, &d->rd);
        ev_io_start(loop, &d->wr);
    }
}

static void
dir_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_relay_dir *d = io->data;
    int                   rc = dir_flush(d);

    if (rc == OBP_ERROR) {
        io_error(d->s, dst_name(d), "write to", errno);
        return;
    }
    if (rc == OBP_OK) {
        ev_io_stop(loop, &d->wr);
        ev_io_start(loop, &d->rd);
    }
}

int
obp_relay_start(struct obp_worker *w, int fd, const struct obp_addr *peer)
{
    struct obp_session *s = calloc(1, sizeof(*s));
    uint8_t            *bufs = NULL;

    /*
     * Both buffers are allocated with the session for this milestone;
     * a per-worker free list handing them out only while bytes are in
     * flight is the later step (PERFORMANCE.md, idle memory).
     */
    if (s != NULL)
        bufs = malloc(2 * OBP_RELAY_BUF_SIZE);
    if (bufs == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "no session for client %s",
                peer->text);
        free(s);
        if (close(fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "close client %s", peer->text);
        return OBP_ERROR;
    }
    s->w = w;
    s->id = ((uint64_t)(w->slot + 1) << 40)
            | (++w->next_session & ((UINT64_C(1) << 40) - 1));
    s->cfd = fd;
    s->sfd = -1;
    s->caddr = *peer;
    dir_init(&s->up, s, bufs, fd, -1);
    dir_init(&s->down, s, bufs + OBP_RELAY_BUF_SIZE, -1, fd);
    ev_init(&s->timer, NULL);
    s->timer.data = s;

    s->next = w->sessions;
    if (w->sessions != NULL)
        w->sessions->prev = s;
    w->sessions = s;
    w->nsessions++;
    obp_stat_add(w->stats, OBP_STAT_client_active, 1);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "session opened for client %s",
            peer->text);
    obp_connect_start(s);
    return OBP_OK;
}

void
obp_relay_set_server(struct obp_session *s, int fd)
{
    s->sfd = fd;
    ev_io_set(&s->up.wr, fd, EV_WRITE);
    ev_io_set(&s->down.rd, fd, EV_READ);
}

void
obp_relay_run(struct obp_session *s)
{
    struct ev_loop *loop = s->w->loop;

    /* connect.c borrowed the server's write watcher to wait for connect */
    ev_io_stop(loop, &s->up.wr);
    ev_set_cb(&s->up.wr, dir_write_cb);
    ev_io_start(loop, &s->down.rd);
    ev_io_start(loop, &s->up.rd);
}

static void
fail_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_relay_dir *d = io->data;
    int                   rc = dir_flush(d);

    if (rc == OBP_ERROR)
        obp_log(OBP_LOG_INFO, d->s->id, errno, "error packet to client %s "
                "not delivered", d->s->caddr.text);
    if (rc != OBP_AGAIN)
        obp_relay_close(d->s, "error sent");
}

static void
fail_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    obp_log(OBP_LOG_INFO, s->id, 0, "client %s did not read its error "
            "packet in time", s->caddr.text);
    obp_relay_close(s, "error not read");
}

void
obp_relay_fail(struct obp_session *s, uint16_t code, const char *sqlstate,
               const char *msg)
{
    struct obp_relay_dir *d = &s->down;
    int                   rc;

    d->off = 0;
    d->len = obp_pkt_err(d->buf, OBP_RELAY_BUF_SIZE, 0, code, sqlstate, msg);
    rc = dir_flush(d);
    if (rc != OBP_AGAIN) {
        obp_relay_close(s, "error sent");
        return;
    }
    ev_set_cb(&d->wr, fail_write_cb);
    ev_io_start(s->w->loop, &d->wr);
    ev_set_cb(&s->timer, fail_timeout_cb);
    ev_timer_set(&s->timer, OBP_RELAY_ERR_WAIT, 0.);
    ev_timer_start(s->w->loop, &s->timer);
}

/* A last chance for bytes already read: one send, no waiting. */
static void
flush_before_close(struct obp_relay_dir *d)
{
    if (d->len > d->off && d->wr.fd != -1 && dir_flush(d) == OBP_ERROR)
        obp_log(OBP_LOG_DEBUG, d->s->id, errno, "last bytes to %s lost",
                dst_name(d));
}

static void
close_fd(struct obp_session *s, int fd, const char *side)
{
    if (fd != -1 && close(fd) == -1)
        obp_log(OBP_LOG_WARN, s->id, errno, "close %s %s", side,
                side_addr(s, side)->text);
}

void
obp_relay_close(struct obp_session *s, const char *why)
{
    struct obp_worker *w = s->w;

    flush_before_close(&s->down);
    flush_before_close(&s->up);
    ev_io_stop(w->loop, &s->up.rd);
    ev_io_stop(w->loop, &s->up.wr);
    ev_io_stop(w->loop, &s->down.rd);
    ev_io_stop(w->loop, &s->down.wr);
    ev_timer_stop(w->loop, &s->timer);
    close_fd(s, s->sfd, "server");
    close_fd(s, s->cfd, "client");
    if (s->server_up)
        obp_stat_add(w->stats, OBP_STAT_server_active, -1);
    obp_stat_add(w->stats, OBP_STAT_client_active, -1);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "session closed (%s): client %s, "
            "server %s, %llu bytes from client, %llu bytes from server",
            why, s->caddr.text, s->server_up ? s->saddr.text : "none",
            (unsigned long long)s->up.bytes,
            (unsigned long long)s->down.bytes);

    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        w->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    w->nsessions--;
    obp_servers_release(s->servers);
    free(s->up.buf);    /* one block holds both directions */
    free(s);
    obp_worker_session_gone(w);
}

unsigned
obp_relay_close_all(struct obp_worker *w, const char *why)
{
    unsigned n = 0;

    while (w->sessions != NULL) {
        obp_relay_close(w->sessions, why);
        n++;
    }
    return n;
}
