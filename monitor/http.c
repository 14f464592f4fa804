/*
 * The monitor's HTTP server (http.h).  Every socket is non-blocking and
 * every wait is a watcher: a request is read into a fixed buffer until
 * its blank line, answered whole into an obp_mbuf, written out, closed.
 */
#include "monitor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_BACKLOG       64
#define HTTP_ACCEPT_BATCH  16

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents);

static void
conn_close(struct obp_http_conn *c)
{
    struct obp_http *h = c->http;

    ev_io_stop(h->loop, &c->io);
    ev_timer_stop(h->loop, &c->timer);
    close(c->fd);
    c->fd = -1;
    obp_mbuf_free(&c->out);
    h->nconns--;
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_http_conn *c = w->data;

    obp_log(OBP_LOG_DEBUG, 0, 0, "monitor: HTTP client cut after %.0f s",
            OBP_HTTP_TIMEOUT);
    conn_close(c);
}

static const char *
reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 404:
        return "Not Found";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Bad Request";
    }
}

/* Writes what the socket takes; closes once everything is out. */
static void
conn_write(struct obp_http_conn *c)
{
    while (c->sent < c->out.len) {
        ssize_t n = write(c->fd, c->out.data + c->sent,
                          c->out.len - c->sent);

        if (n > 0) {
            c->sent += (size_t)n;
            continue;
        }
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;     /* the watcher waits for EV_WRITE */
        obp_log(OBP_LOG_DEBUG, 0, errno, "monitor: writing an HTTP answer");
        break;
    }
    (void)shutdown(c->fd, SHUT_WR);
    conn_close(c);
}

static void
answer(struct obp_http_conn *c, int status, const char *ctype,
       const struct obp_mbuf *body)
{
    struct obp_http *h = c->http;

    obp_mbuf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
                    status, reason(status), ctype, body->len,
                    (int)body->len, body->data != NULL ? body->data : "");
    if (c->out.failed) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "monitor: an HTTP answer");
        conn_close(c);
        return;
    }
    ev_io_stop(h->loop, &c->io);
    ev_io_set(&c->io, c->fd, EV_WRITE);
    ev_io_start(h->loop, &c->io);
    conn_write(c);
}

static void
answer_text(struct obp_http_conn *c, int status)
{
    struct obp_mbuf body = { 0 };

    obp_mbuf_printf(&body, "%s\n", reason(status));
    answer(c, status, "text/plain; charset=utf-8", &body);
    obp_mbuf_free(&body);
}

/*
 * "METHOD SP target SP HTTP/1.x": the target's path into <path> (a
 * NUL-terminated view into the request), or OBP_ERROR.
 */
static int
parse_line(char *line, bool *get, char **path)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;

    if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1
        || sp1[1] != '/'
        || (strcmp(sp2 + 1, "HTTP/1.0") != 0
            && strcmp(sp2 + 1, "HTTP/1.1") != 0))
        return OBP_ERROR;
    for (const char *p = line; p < sp1; p++) {
        if (*p < 'A' || *p > 'Z')
            return OBP_ERROR;
    }
    *sp2 = '\0';
    sp1[strcspn(sp1, "?")] = '\0';
    *get = sp1 - line == 3 && memcmp(line, "GET", 3) == 0;
    *path = sp1 + 1;
    return OBP_OK;
}

/* The head is complete: the request line decides everything. */
static void
dispatch(struct obp_http_conn *c)
{
    struct obp_http *h = c->http;
    struct obp_mbuf  body = { 0 };
    const char      *ctype = "text/plain; charset=utf-8";
    char            *path;
    bool             get;
    int              status;

    c->req[strcspn(c->req, "\r\n")] = '\0';
    if (parse_line(c->req, &get, &path) != OBP_OK) {
        answer_text(c, 400);
        return;
    }
    if (!get) {
        answer_text(c, 404);
        return;
    }
    status = h->handler(h->arg, path, &body, &ctype);
    if (status == 200)
        answer(c, 200, ctype, &body);
    else
        answer_text(c, status);
    obp_mbuf_free(&body);
}

static bool
head_complete(const struct obp_http_conn *c)
{
    return strstr(c->req, "\r\n\r\n") != NULL
           || strstr(c->req, "\n\n") != NULL;
}

static void
conn_read(struct obp_http_conn *c)
{
    for (;;) {
        size_t  room = sizeof(c->req) - 1 - c->reqlen;
        ssize_t n;

        if (room == 0) {
            answer_text(c, 431);
            return;
        }
        n = read(c->fd, c->req + c->reqlen, room);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            conn_close(c);  /* the client left before its blank line */
            return;
        }
        c->reqlen += (size_t)n;
        c->req[c->reqlen] = '\0';
        /* a NUL inside the head is garbage, never a shorter request */
        if (strlen(c->req) != c->reqlen) {
            answer_text(c, 400);
            return;
        }
        if (head_complete(c)) {
            dispatch(c);
            return;
        }
    }
}

static void
conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_http_conn *c = w->data;

    if (c->out.len > 0)
        conn_write(c);
    else
        conn_read(c);
}

static void
conn_open(struct obp_http *h, int fd)
{
    struct obp_http_conn *c = NULL;

    for (unsigned i = 0; i < OBP_HTTP_MAX_CONNS && c == NULL; i++) {
        if (h->conns[i].fd == -1)
            c = &h->conns[i];
    }
    if (c == NULL) {
        obp_log(OBP_LOG_DEBUG, 0, 0, "monitor: %d HTTP connections open, "
                "closing a new one", OBP_HTTP_MAX_CONNS);
        close(fd);
        return;
    }
    c->fd = fd;
    c->reqlen = 0;
    c->req[0] = '\0';
    c->sent = 0;
    h->nconns++;
    ev_io_set(&c->io, fd, EV_READ);
    ev_io_start(h->loop, &c->io);
    ev_timer_set(&c->timer, OBP_HTTP_TIMEOUT, 0.);
    ev_timer_start(h->loop, &c->timer);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_http *h = w->data;

    for (int i = 0; i < HTTP_ACCEPT_BATCH; i++) {
        int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED)
                obp_log(OBP_LOG_WARN, 0, errno, "monitor: accepting an "
                        "HTTP connection");
            return;
        }
        conn_open(h, fd);
    }
}

void
obp_http_init(struct obp_http *h, struct ev_loop *loop, obp_http_fn handler,
              void *arg)
{
    memset(h, 0, sizeof(*h));
    h->loop = loop;
    h->fd = -1;
    h->handler = handler;
    h->arg = arg;
    ev_init(&h->accept_io, accept_cb);
    h->accept_io.data = h;
    for (unsigned i = 0; i < OBP_HTTP_MAX_CONNS; i++) {
        struct obp_http_conn *c = &h->conns[i];

        c->http = h;
        c->fd = -1;
        ev_init(&c->io, conn_cb);
        c->io.data = c;
        ev_init(&c->timer, timeout_cb);
        c->timer.data = c;
    }
}

/* <ip>:<port> into <sa>; its length, or 0 when <ip> is no address. */
static socklen_t
make_addr(struct sockaddr_storage *sa, const char *ip, int port)
{
    struct sockaddr_in  *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

    memset(sa, 0, sizeof(*sa));
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return sizeof(*v4);
    }
    if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return sizeof(*v6);
    }
    return 0;
}

int
obp_http_listen(struct obp_http *h, const char *ip, int port)
{
    struct sockaddr_storage sa;
    socklen_t               len = make_addr(&sa, ip, port);
    int                     one = 1, fd, err;

    if (len == 0) {
        errno = EINVAL;
        return OBP_ERROR;
    }
    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return OBP_ERROR;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || bind(fd, (struct sockaddr *)&sa, len) == -1
        || listen(fd, HTTP_BACKLOG) == -1) {
        err = errno;
        close(fd);
        errno = err;
        return OBP_ERROR;
    }
    h->fd = fd;
    ev_io_set(&h->accept_io, fd, EV_READ);
    ev_io_start(h->loop, &h->accept_io);
    return OBP_OK;
}

bool
obp_http_listening(const struct obp_http *h)
{
    return h->fd != -1;
}

void
obp_http_unlisten(struct obp_http *h)
{
    if (h->fd == -1)
        return;
    ev_io_stop(h->loop, &h->accept_io);
    close(h->fd);
    h->fd = -1;
}

unsigned
obp_http_busy(const struct obp_http *h)
{
    return h->nconns;
}

void
obp_http_close_all(struct obp_http *h)
{
    obp_http_unlisten(h);
    for (unsigned i = 0; i < OBP_HTTP_MAX_CONNS; i++) {
        if (h->conns[i].fd != -1)
            conn_close(&h->conns[i]);
    }
}
