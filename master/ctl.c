/*
 * The control socket run/obproxy.sock (mode 0600) for obproxyctl: a few
 * clients at once, each sends one line (10 KB at most, 5 s idle limit)
 * and gets lines ending with "ok..." or "failed...", then the close.  A
 * client that asked for a stop keeps its connection, never written to
 * again: it sees end-of-file when the master exits.  Opened by main.c.
 */
#include "master.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_LINE_MAX   OBP_CTL_LINE_MAX
#define CTL_IDLE_S     5.0
#define CTL_OUT_FIRST  32768   /* the reply buffer grows from this */
#define CTL_OUT_CAP    (512 * 1024)    /* to this: config level list */
#define CTL_OUT_SPARE  256     /* kept for the final ok/failed line */
#define CTL_BACKLOG    16

struct obp_ctl_conn {
    struct obp_master *m;
    int                fd;
    int                index;           /* in m->ctl.conns */
    ev_io              io;
    ev_timer           idle;
    char               in[CTL_LINE_MAX + 2];
    size_t             inlen;
    char              *out;             /* the reply, outsize bytes */
    size_t             outsize;
    size_t             outlen;
    size_t             outoff;
    bool               stopping;        /* asked for a stop: keep it open */
};

/* The name to bind: the absolute path, or relative to ROOT if too long. */
static const char *
sock_name(const struct obp_master *m)
{
    struct sockaddr_un sun;

    return strlen(m->sock_path) < sizeof(sun.sun_path) ? m->sock_path
                                                       : "run/obproxy.sock";
}

/* Room for <need> more bytes of reply within <cap>: false when none. */
static bool
out_room(struct obp_ctl_conn *c, size_t need, size_t cap)
{
    size_t size = c->outsize;
    char  *out;

    if (c->outlen + need <= size)
        return true;
    while (size < c->outlen + need && size < cap)
        size = size > 0 ? size * 2 : CTL_OUT_FIRST;
    if (size > cap)
        size = cap;
    if (size <= c->outsize)
        return false;
    out = realloc(c->out, size);
    if (out == NULL)
        return false;
    c->out = out;
    c->outsize = size;
    return c->outlen + need <= size;
}

void
obp_ctl_reply(struct obp_ctl_conn *c, bool last, const char *fmt, ...)
{
    size_t  cap = last ? CTL_OUT_CAP : CTL_OUT_CAP - CTL_OUT_SPARE;
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || c->outlen + 2 >= cap)
        return;
    /* a line too long for what is left is cut: the last one must fit */
    if (!out_room(c, (size_t)n + 2, cap)
        && !out_room(c, cap - c->outlen, cap))
        return;
    va_start(ap, fmt);
    vsnprintf(c->out + c->outlen, c->outsize - c->outlen - 1, fmt, ap);
    va_end(ap);
    c->outlen += (size_t)n < c->outsize - c->outlen - 1
                 ? (size_t)n : c->outsize - c->outlen - 2;
    c->out[c->outlen++] = '\n';
}

struct obp_master *
obp_ctl_master(const struct obp_ctl_conn *c)
{
    return c->m;
}

void
obp_ctl_keep_open(struct obp_ctl_conn *c)
{
    c->stopping = true;
}

/* Unread input would turn our close into a reset that eats the reply. */
static void
discard_input(int fd)
{
    char buf[512];

    for (int i = 0; i < 8 && read(fd, buf, sizeof(buf)) > 0; i++)
        continue;
}

static void
conn_close(struct obp_ctl_conn *c, bool close_fd)
{
    struct obp_master *m = c->m;

    ev_io_stop(m->loop, &c->io);
    ev_timer_stop(m->loop, &c->idle);
    if (m->ctl.waiting == c)
        m->ctl.waiting = NULL;
    if (close_fd)
        close(c->fd);
    m->ctl.conns[c->index] = NULL;
    free(c->out);
    free(c);
}

static void
write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_ctl_conn *c = w->data;

    while (c->outoff < c->outlen) {
        ssize_t n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == -1) {
            obp_log(OBP_LOG_INFO, 0, errno, "control client went away");
            conn_close(c, true);
            return;
        }
        c->outoff += (size_t)n;
    }
    if (!c->stopping) {
        discard_input(c->fd);
        conn_close(c, true);
        return;
    }
    /* Silent from now on: end-of-file will tell the client we are gone. */
    ev_io_stop(loop, &c->io);
    ev_timer_stop(loop, &c->idle);
}

static void
start_reply(struct obp_ctl_conn *c)
{
    struct obp_master *m = c->m;

    ev_io_stop(m->loop, &c->io);
    ev_io_init(&c->io, write_cb, c->fd, EV_WRITE);
    c->io.data = c;
    ev_io_start(m->loop, &c->io);
    write_cb(m->loop, &c->io, EV_WRITE);
}

/* Handles the line in c->in, <len> bytes without the newline. */
static void
handle_line(struct obp_ctl_conn *c, size_t len)
{
    char *line = c->in;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '
                       || line[len - 1] == '\t'))
        len--;
    line[len] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    obp_ctl_dispatch(c, line);
    if (c->m->ctl.waiting != c)
        start_reply(c);
}

int
obp_ctl_defer(struct obp_ctl_conn *c)
{
    struct obp_master *m = c->m;

    if (m->ctl.waiting != NULL)
        return OBP_ERROR;
    m->ctl.waiting = c;
    ev_io_stop(m->loop, &c->io);
    ev_timer_stop(m->loop, &c->idle);
    return OBP_OK;
}

void
obp_ctl_answer(struct obp_master *m, const char *fmt, ...)
{
    struct obp_ctl_conn *c = m->ctl.waiting;
    char                 line[CTL_OUT_SPARE];
    va_list              ap;

    if (c == NULL)
        return;
    m->ctl.waiting = NULL;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    obp_ctl_reply(c, true, "%s", line);
    start_reply(c);
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_ctl_conn *c = w->data;
    size_t               room = CTL_LINE_MAX + 1 - c->inlen;
    ssize_t              n = read(c->fd, c->in + c->inlen, room);
    char                *nl;

    if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n == -1 || (n == 0 && c->inlen == 0)) {
        conn_close(c, true);
        return;
    }
    ev_timer_again(loop, &c->idle);
    c->inlen += (size_t)n;
    nl = memchr(c->in, '\n', c->inlen);
    if (nl != NULL || n == 0) {
        handle_line(c, nl != NULL ? (size_t)(nl - c->in) : c->inlen);
    } else if (c->inlen > CTL_LINE_MAX) {
        obp_ctl_reply(c, true, "failed: request longer than %d bytes",
                      CTL_LINE_MAX);
        start_reply(c);
    }
}

static void
idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct obp_ctl_conn *c = w->data;

    obp_log(OBP_LOG_INFO, 0, 0, "control client idle for %.0f s, closing",
            CTL_IDLE_S);
    conn_close(c, true);
}

static int
free_index(const struct obp_ctl *ctl)
{
    for (int i = 0; i < OBP_CTL_MAX_CONNS; i++) {
        if (ctl->conns[i] == NULL)
            return i;
    }
    return -1;
}

static void
add_conn(struct obp_master *m, int fd)
{
    static const char busy[] = "failed: too many control connections\n";
    int                  i = free_index(&m->ctl);
    struct obp_ctl_conn *c = i == -1 ? NULL : calloc(1, sizeof(*c));

    if (c == NULL) {
        obp_log(OBP_LOG_WARN, 0, i == -1 ? 0 : errno,
                "refusing a control client");
        (void)!write(fd, busy, sizeof(busy) - 1);
        close(fd);
        return;
    }
    c->m = m;
    c->fd = fd;
    c->index = i;
    ev_io_init(&c->io, read_cb, fd, EV_READ);
    c->io.data = c;
    ev_init(&c->idle, idle_cb);
    c->idle.repeat = CTL_IDLE_S;
    c->idle.data = c;
    ev_io_start(m->loop, &c->io);
    ev_timer_again(m->loop, &c->idle);
    m->ctl.conns[i] = c;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct obp_master *m = w->data;

    /* Bounded: a flood cannot keep the master here. */
    for (int i = 0; i <= OBP_CTL_MAX_CONNS; i++) {
        int fd = accept4(m->ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                obp_log(OBP_LOG_WARN, 0, errno, "control socket accept");
            return;
        }
        add_conn(m, fd);
    }
}

static int
bind_socket(struct obp_master *m, int fd, struct obp_errs *errs)
{
    const char        *name = sock_name(m);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat        st;
    mode_t             old;
    int                rc;

    obp_strlcpy(sun.sun_path, name, sizeof(sun.sun_path));
    /* A leftover socket is stale: the pid file check passed. */
    if (unlink(name) == -1 && errno != ENOENT) {
        obp_errs_add(errs, "cannot remove %s: %s", m->sock_path,
                     strerror(errno));
        return OBP_ERROR;
    }
    old = umask(077);
    rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (rc == -1 || listen(fd, CTL_BACKLOG) == -1 || stat(name, &st) == -1) {
        obp_errs_add(errs, "cannot listen on %s: %s", m->sock_path,
                     strerror(errno));
        return OBP_ERROR;
    }
    m->ctl.dev = st.st_dev;
    m->ctl.ino = st.st_ino;
    m->ctl.bound = true;
    return OBP_OK;
}

int
obp_ctl_open(struct obp_master *m, struct obp_errs *errs)
{
    struct obp_ctl *ctl = &m->ctl;

    ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ctl->fd == -1) {
        obp_errs_add(errs, "cannot create the control socket: %s",
                     strerror(errno));
        return OBP_ERROR;
    }
    if (bind_socket(m, ctl->fd, errs) != OBP_OK) {
        close(ctl->fd);
        ctl->fd = -1;
        return OBP_ERROR;
    }
    ev_io_init(&ctl->accept_io, accept_cb, ctl->fd, EV_READ);
    ctl->accept_io.data = m;
    ev_io_start(m->loop, &ctl->accept_io);
    return OBP_OK;
}

void
obp_ctl_close(struct obp_master *m, bool in_child)
{
    struct obp_ctl *ctl = &m->ctl;
    struct stat     st;

    for (int i = 0; i < OBP_CTL_MAX_CONNS; i++) {
        struct obp_ctl_conn *c = ctl->conns[i];

        /* A stopping client's fd stays open until the process ends. */
        if (c != NULL)
            conn_close(c, in_child || !c->stopping);
    }
    if (ctl->fd == -1)
        return;
    ev_io_stop(m->loop, &ctl->accept_io);
    close(ctl->fd);
    ctl->fd = -1;
    if (!in_child && ctl->bound && stat(sock_name(m), &st) == 0
        && st.st_dev == ctl->dev && st.st_ino == ctl->ino
        && unlink(sock_name(m)) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "cannot remove %s", m->sock_path);
    ctl->bound = false;
}
