/*
 * Calls on the master's control socket (ctlcall.h).
 */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_SOCKET "run/obproxy.sock"

static void
stop(struct obp_ctlcall *c)
{
    if (c->fd < 0)
        return;
    ev_io_stop(c->w->loop, &c->io);
    ev_timer_stop(c->w->loop, &c->timer);
    if (close(c->fd) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "closing the control socket");
    c->fd = -1;
}

void
obp_ctlcall_cancel(struct obp_ctlcall *c)
{
    stop(c);
}

/* Where the last line of the reply starts, and its length. */
static const char *
last_line(const struct obp_ctlcall *c, size_t *len)
{
    const char *p = c->reply + c->replylen;
    const char *end;

    while (p > c->reply && p[-1] == '\n')
        p--;
    end = p;
    while (p > c->reply && p[-1] != '\n')
        p--;
    *len = (size_t)(end - p);
    return p;
}

const char *
obp_ctlcall_last(struct obp_ctlcall *c)
{
    size_t      n;
    const char *p = last_line(c, &n);

    c->reply[p - c->reply + n] = '\0';
    c->replylen = (size_t)(p - c->reply) + n;
    return p;
}

static bool
reply_ended(const struct obp_ctlcall *c)
{
    size_t      n;
    const char *last = last_line(c, &n);

    return c->replylen > 0 && c->reply[c->replylen - 1] == '\n'
           && ((n >= 2 && strncmp(last, "ok", 2) == 0)
               || (n >= 6 && strncmp(last, "failed", 6) == 0));
}

static void
finish(struct obp_ctlcall *c)
{
    size_t      n;
    const char *last = last_line(c, &n);
    bool        ok = n >= 2 && strncmp(last, "ok", 2) == 0;

    stop(c);
    c->done(c, ok);
}

/* Appends a line of the proxy's own to the reply (a failure's reason). */
static void
note(struct obp_ctlcall *c, const char *why)
{
    int n = snprintf(c->reply + c->replylen,
                     sizeof(c->reply) - c->replylen, "failed: %s\n", why);

    if (n > 0)
        c->replylen += (size_t)n < sizeof(c->reply) - c->replylen
                       ? (size_t)n : sizeof(c->reply) - c->replylen - 1;
}

static void
on_read(struct obp_ctlcall *c)
{
    ssize_t n = read(c->fd, c->reply + c->replylen,
                     sizeof(c->reply) - 1 - c->replylen);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0 || c->replylen + (size_t)n >= sizeof(c->reply) - 1) {
        if (n > 0)
            c->replylen += (size_t)n;
        if (!reply_ended(c))
            note(c, n < 0 ? strerror(errno) : "the master's reply ended "
                 "early");
        finish(c);
        return;
    }
    c->replylen += (size_t)n;
    c->reply[c->replylen] = '\0';
    if (reply_ended(c))
        finish(c);
}

static void
io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_ctlcall *c = io->data;
    ssize_t             n;

    if (c->sent < c->outlen) {
        n = write(c->fd, c->out + c->sent, c->outlen - c->sent);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            note(c, strerror(errno));
            finish(c);
            return;
        }
        if (n > 0)
            c->sent += (size_t)n;
        if (c->sent == c->outlen) {
            ev_io_stop(loop, io);
            ev_io_set(io, c->fd, EV_READ);
            ev_io_start(loop, io);
        }
        return;
    }
    on_read(c);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_ctlcall *c = t->data;

    note(c, "no answer from the master in time");
    finish(c);
}

int
obp_ctlcall_start(struct obp_ctlcall *c, struct obp_worker *w,
                  const char *line, double timeout, obp_ctlcall_done done,
                  void *owner)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    size_t             n = strlen(line);

    c->w = w;
    c->done = done;
    c->owner = owner;
    c->replylen = 0;
    c->reply[0] = '\0';
    c->fd = -1;
    if (n > OBP_CTLCALL_LINE_MAX) {
        note(c, "request too long");
        return OBP_ERROR;
    }
    memcpy(c->out, line, n);
    c->out[n] = '\n';
    c->outlen = n + 1;
    c->sent = 0;
    obp_strlcpy(sun.sun_path, CTL_SOCKET, sizeof(sun.sun_path));
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun))
                      == -1 && errno != EINPROGRESS && errno != EAGAIN)) {
        note(c, strerror(errno));
        if (c->fd >= 0 && close(c->fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "closing the control socket");
        c->fd = -1;
        return OBP_ERROR;
    }
    ev_io_init(&c->io, io_cb, c->fd, EV_WRITE);
    c->io.data = c;
    ev_io_start(w->loop, &c->io);
    ev_timer_init(&c->timer, timer_cb, timeout, 0.);
    c->timer.data = c;
    ev_timer_start(w->loop, &c->timer);
    return OBP_OK;
}
