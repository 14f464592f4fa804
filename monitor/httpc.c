/*
 * The monitor's HTTP/1.1 client (httpc.h): a non-blocking socket watched
 * by the loop, one timer bounding the whole GET.
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
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->sent = c->reqlen = 0;
    c->reading = false;
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
               !c->reading ? "connecting or sending"
               : c->len == 0 ? "waiting for the answer" : "reading it");
}

static void
httpc_send(struct obp_httpc *c)
{
    int     err = 0;
    socklen_t elen = sizeof(err);
    ssize_t n;

    if (c->sent == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen)
                        == 0 && err != 0) {
        httpc_fail(c, "connect: %s", strerror(err));
        return;
    }
    n = send(c->fd, c->buf + c->sent, c->reqlen - c->sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        httpc_fail(c, "send: %s", strerror(errno));
        return;
    }
    c->sent += (size_t)n;
    if (c->sent < c->reqlen)
        return;
    c->reading = true;
    c->len = 0;
    ev_io_stop(c->loop, &c->io);
    ev_io_set(&c->io, c->fd, EV_READ);
    ev_io_start(c->loop, &c->io);
}

static void
httpc_recv(struct obp_httpc *c)
{
    struct obp_httpresp resp;
    char                err[128];
    size_t              room = OBP_HTTPRESP_MAX + 1 - c->len;
    ssize_t             n;
    int                 rc;

    n = recv(c->fd, c->buf + c->len, room < HTTPC_READ ? room : HTTPC_READ,
             0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        httpc_fail(c, "recv: %s", strerror(errno));
        return;
    }
    c->len += (size_t)n;
    rc = obp_httpresp_parse(c->buf, c->len, n == 0, &resp, err, sizeof(err));
    if (rc == OBP_AGAIN)
        return;
    if (rc != OBP_OK) {
        httpc_fail(c, "a bad HTTP answer: %s", err);
        return;
    }
    httpc_end(c, &resp, NULL);
}

static void
httpc_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_httpc *c = w->data;

    if (c->reading)
        httpc_recv(c);
    else
        httpc_send(c);
}
