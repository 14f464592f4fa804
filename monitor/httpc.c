/*
 * The monitor's HTTP/1.1 client (httpc.h): a non-blocking socket watched
 * by the loop (TLS on it for https: httpc_tls.c), one timer bounding the
 * whole GET.
 */
#include "monitor.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTPC_READ 65536

static void httpc_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void httpc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

void
obp_httpc_init(struct obp_httpc *c, struct ev_loop *loop)
{
    memset(c, 0, sizeof(*c));
    c->loop = loop;
    c->fd = -1;
    ev_init(&c->io, httpc_io_cb);
    c->io.data = c;
    ev_init(&c->timer, httpc_timer_cb);
    c->timer.data = c;
}

bool
obp_httpc_busy(const struct obp_httpc *c)
{
    return c->done != NULL;
}

static void
httpc_close(struct obp_httpc *c)
{
    ev_io_stop(c->loop, &c->io);
    ev_timer_stop(c->loop, &c->timer);
    obp_httpc_tls_free(c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->sent = c->reqlen = 0;
    c->reading = c->connected = c->secured = false;
}

void
obp_httpc_cancel(struct obp_httpc *c)
{
    httpc_close(c);
    c->done = NULL;
}

/*
 * The end: <resp> or <why>, told once; the client is idle before <done>
 * runs (it may start the next GET), the answer's buffer freed after.
 */
static void
httpc_end(struct obp_httpc *c, const struct obp_httpresp *resp,
          const char *why)
{
    obp_httpc_fn done = c->done;
    void        *arg = c->arg;
    char        *buf = c->buf;
    char         text[sizeof(c->why)];

    snprintf(text, sizeof(text), "%s", why != NULL ? why : "");
    c->buf = NULL;
    httpc_close(c);
    c->done = NULL;
    done(arg, resp, resp != NULL ? NULL : text);
    free(buf);
}

static void httpc_fail(struct obp_httpc *c, const char *fmt, ...)
    OBP_PRINTF(2, 3);

static void
httpc_fail(struct obp_httpc *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    httpc_end(c, NULL, c->why);
}

/* Connects to <u>: the socket, or -1 with c->why set. */
static int
httpc_connect(struct obp_httpc *c, const struct obp_url *u)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
    char            port[8];
    int             fd, rc;

    snprintf(port, sizeof(port), "%u", (unsigned)u->port);
    rc = getaddrinfo(u->host, port, &hints, &res);
    if (rc != 0) {
        snprintf(c->why, sizeof(c->why), "cannot resolve %.100s: %s", u->host,
                 gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0
        && errno != EINPROGRESS) {
        snprintf(c->why, sizeof(c->why), "connect: %s", strerror(errno));
        close(fd);
        fd = -1;
    } else if (fd < 0) {
        snprintf(c->why, sizeof(c->why), "socket: %s", strerror(errno));
    }
    freeaddrinfo(res);
    return fd;
}

int
obp_httpc_get(struct obp_httpc *c, const char *url, double timeout,
              obp_httpc_fn done, void *arg)
{
    struct obp_url u;
    int            n;

    if (obp_httpc_busy(c))
        return OBP_ERROR;
    c->done = done;
    c->arg = arg;
    c->timeout = timeout;
    c->why[0] = '\0';
    c->buf = malloc(OBP_HTTPRESP_MAX + 1);
    if (c->buf == NULL) {
        c->done = NULL;
        return OBP_ERROR;
    }
    if (obp_url_parse(url, &u, c->why, sizeof(c->why)) == OBP_OK)
        c->fd = httpc_connect(c, &u);
    if (c->fd >= 0 && u.tls && obp_httpc_tls_start(c, u.host) != OBP_OK) {
        obp_httpc_tls_free(c);
        close(c->fd);
        c->fd = -1;
    }
    if (c->fd >= 0) {
        n = snprintf(c->buf, OBP_HTTPRESP_MAX, "GET %s HTTP/1.1\r\n"
                     "Host: %s%s%s:%u\r\nUser-Agent: obproxy/" PACKAGE_VERSION
                     "\r\nAccept: application/json\r\nConnection: close\r\n"
                     "\r\n", u.target, strchr(u.host, ':') ? "[" : "",
                     u.host, strchr(u.host, ':') ? "]" : "",
                     (unsigned)u.port);
        c->reqlen = (size_t)n;
        ev_io_set(&c->io, c->fd, EV_WRITE);
        ev_io_start(c->loop, &c->io);
        ev_timer_set(&c->timer, timeout, 0.);
    } else {
        ev_timer_set(&c->timer, 0., 0.);   /* told from the loop */
    }
    ev_timer_start(c->loop, &c->timer);
    return OBP_OK;
}

static void
httpc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_httpc *c = w->data;

    if (c->fd < 0) {
        httpc_end(c, NULL, c->why);
        return;
    }
    httpc_fail(c, "no answer within %gs (%s)", c->timeout,
               c->connected && c->ssl != NULL && !c->secured
               ? "in the TLS handshake"
               : !c->reading ? "connecting or sending"
               : c->len == 0 ? "waiting for the answer" : "reading it");
}

/* Waits for <events> on the socket. */
static void
httpc_want(struct obp_httpc *c, int events)
{
    ev_io_stop(c->loop, &c->io);
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(c->loop, &c->io);
}

/*
 * Sends (<wr>) or receives, in TLS for https: bytes, 0 the end (a
 * receive), -1 again (the loop waits for what it needs), -2 failed
 * (c->why set).
 */
static ssize_t
httpc_xfer(struct obp_httpc *c, char *buf, size_t len, bool wr)
{
    int     events = wr ? EV_WRITE : EV_READ;
    ssize_t n;

    if (c->ssl != NULL) {
        n = obp_httpc_tls_io(c, buf, len, wr, &events);
    } else {
        n = wr ? send(c->fd, buf, len, MSG_NOSIGNAL)
            : recv(c->fd, buf, len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            n = -1;
        } else if (n < 0) {
            snprintf(c->why, sizeof(c->why), "%s: %s", wr ? "send" : "recv",
                     strerror(errno));
            n = -2;
        }
    }
    if (n == -1)
        httpc_want(c, events);
    return n;
}

static void
httpc_send(struct obp_httpc *c)
{
    ssize_t n = httpc_xfer(c, c->buf + c->sent, c->reqlen - c->sent, true);

    if (n == -2)
        httpc_end(c, NULL, c->why);
    if (n < 0)
        return;
    c->sent += (size_t)n;
    if (c->sent < c->reqlen)
        return;
    c->reading = true;
    c->len = 0;
    httpc_want(c, EV_READ);
}

/* Reads until the answer is whole or the socket has nothing more. */
static void
httpc_recv(struct obp_httpc *c)
{
    struct obp_httpresp resp;
    char                err[128];
    size_t              room;
    ssize_t             n;
    int                 rc;

    do {
        room = OBP_HTTPRESP_MAX + 1 - c->len;
        n = room == 0 ? 0
            : httpc_xfer(c, c->buf + c->len, room < HTTPC_READ ? room
                                                             : HTTPC_READ,
                         false);
        if (n == -2)
            httpc_end(c, NULL, c->why);
        if (n < 0)
            return;
        c->len += (size_t)n;
        rc = obp_httpresp_parse(c->buf, c->len, n == 0, &resp, err,
                                sizeof(err));
    } while (rc == OBP_AGAIN && n > 0);
    if (rc != OBP_OK) {
        httpc_fail(c, "a bad HTTP answer: %s", err);
        return;
    }
    httpc_end(c, &resp, NULL);
}

/* The connect's outcome, at the first event: OBP_ERROR once told. */
static int
httpc_connected(struct obp_httpc *c)
{
    int       err = 0;
    socklen_t elen = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0
        && err != 0) {
        httpc_fail(c, "connect: %s", strerror(err));
        return OBP_ERROR;
    }
    c->connected = true;
    return OBP_OK;
}

static void
httpc_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_httpc *c = w->data;
    int               events = 0, rc;

    if (!c->connected && httpc_connected(c) != OBP_OK)
        return;
    if (c->ssl != NULL && !c->secured) {
        rc = obp_httpc_tls_handshake(c, &events);
        if (rc == OBP_AGAIN) {
            httpc_want(c, events);
            return;
        }
        if (rc != OBP_OK) {
            httpc_end(c, NULL, c->why);
            return;
        }
        c->secured = true;
    }
    if (c->reading)
        httpc_recv(c);
    else
        httpc_send(c);
}
