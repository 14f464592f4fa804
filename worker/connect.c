/*
 * The server leg of a session: rootservice_list parsed once per
 * configuration generation, then tried in order for each new client with
 * non-blocking connects bounded by connect_server_timeout.  relay.c calls
 * obp_connect_start() for every accepted client; loop.c parses the list.
 */
#include "worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for the 1429 message: clients show at most 512 bytes of it. */
#define MSG_MAX 480

struct obp_servers *
obp_servers_parse(const char *list)
{
    const char         *text = list != NULL ? list : "";
    int                 max = 1;
    struct obp_servers *l;
    int                 n;

    /* every address ends at a separator or at the end of the text */
    for (const char *p = text; *p != '\0'; p++)
        max += *p == ';' || *p == ',';
    l = calloc(1, sizeof(*l) + (size_t)max * sizeof(l->addr[0]));
    if (l == NULL)
        return NULL;
    l->text = strdup(text);
    if (l->text == NULL) {
        free(l);
        return NULL;
    }
    l->refs = 1;
    n = obp_addr_parse_list(text, l->addr, max, l->err, sizeof(l->err));
    if (n == OBP_ERROR) {
        obp_log(OBP_LOG_ERROR, 0, 0, "rootservice_list \"%s\": %s", text,
                l->err);
        n = 0;
    }
    l->n = n;
    return l;
}

void
obp_servers_release(struct obp_servers *l)
{
    if (l == NULL || --l->refs > 0)
        return;
    free(l->text);
    free(l);
}

/* Adds "ADDR (reason)" to the list of servers tried, cut when full. */
static void
note_failure(struct obp_session *s, const char *reason)
{
    size_t room = sizeof(s->tried) - s->tried_len;
    int    n;

    obp_stat_add(s->w->stats, OBP_STAT_server_connect_fail, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "connect to server %s failed: %s",
            s->saddr.text, reason);
    if (room <= 1)
        return;
    n = snprintf(s->tried + s->tried_len, room, "%s%s (%s)",
                 s->tried_len > 0 ? ", " : "", s->saddr.text, reason);
    if (n > 0)
        s->tried_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void
drop_server_fd(struct obp_session *s)
{
    int fd = s->sfd;

    obp_relay_set_server(s, -1);
    if (close(fd) == -1)
        obp_log(OBP_LOG_WARN, s->id, errno, "close server %s",
                s->saddr.text);
}

/* Every server failed: the client learns which and why, then goes. */
static void
all_failed(struct obp_session *s)
{
    struct obp_servers *l = s->servers;
    char                msg[MSG_MAX];

    if (l->n == 0 && l->err[0] != '\0')
        snprintf(msg, sizeof(msg), "obproxy: bad rootservice_list: %s",
                 l->err);
    else if (l->n == 0)
        snprintf(msg, sizeof(msg), "obproxy: no server configured "
                 "(rootservice_list is empty)");
    else
        snprintf(msg, sizeof(msg), "obproxy: cannot connect to any "
                 "server: %s", s->tried);
    obp_log(OBP_LOG_WARN, s->id, 0, "%s", msg);
    obp_relay_fail(s, OBP_ER_CONNECT_TO_SERVER, "HY000", msg);
}

static void
connected(struct obp_session *s)
{
    int on = 1;

    if (setsockopt(s->sfd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
        obp_log(OBP_LOG_INFO, s->id, errno, "TCP_NODELAY on server %s",
                s->saddr.text);
    s->server_up = 1;
    obp_stat_add(s->w->stats, OBP_STAT_server_connect_ok, 1);
    obp_stat_add(s->w->stats, OBP_STAT_server_active, 1);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "connected to server %s for client %s",
            s->saddr.text, s->caddr.text);
    obp_servers_release(s->servers);
    s->servers = NULL;
    obp_relay_run(s);
}

static void connect_ready_cb(struct ev_loop *loop, ev_io *io, int revents);
static void connect_timeout_cb(struct ev_loop *loop, ev_timer *t,
                               int revents);

/*
 * Starts one non-blocking connect.  OBP_OK when it completed at once,
 * OBP_AGAIN while it is under way, OBP_ERROR when it failed (noted).
 */
static int
try_server(struct obp_session *s, const struct obp_addr *a)
{
    struct obp_worker *w = s->w;
    int fd;

    s->saddr = *a;
    fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        note_failure(s, strerror(errno));
        return OBP_ERROR;
    }
    obp_relay_set_server(s, fd);
    if (connect(fd, (const struct sockaddr *)&a->sa, a->salen) == 0)
        return OBP_OK;
    if (errno != EINPROGRESS && errno != EINTR) {
        note_failure(s, strerror(errno));
        drop_server_fd(s);
        return OBP_ERROR;
    }
    ev_set_cb(&s->up.wr, connect_ready_cb);
    ev_io_start(w->loop, &s->up.wr);
    ev_set_cb(&s->timer, connect_timeout_cb);
    ev_timer_set(&s->timer, (ev_tstamp)w->conf->connect_server_timeout / 1e6,
                 0.);
    ev_timer_start(w->loop, &s->timer);
    return OBP_AGAIN;
}

/* Tries the remaining servers in order; at most one wait at a time. */
static void
try_next(struct obp_session *s)
{
    struct obp_servers *l = s->servers;

    while (s->next_server < l->n) {
        switch (try_server(s, &l->addr[s->next_server++])) {
        case OBP_OK:
            connected(s);
            return;
        case OBP_AGAIN:
            return;
        default:
            break;
        }
    }
    all_failed(s);
}

static void
connect_ready_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    struct obp_session *s = ((struct obp_relay_dir *)io->data)->s;
    int                 err = 0;
    socklen_t           len = sizeof(err);

    ev_io_stop(loop, io);
    ev_timer_stop(loop, &s->timer);
    if (getsockopt(s->sfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
        err = errno;
    if (err == 0) {
        connected(s);
        return;
    }
    note_failure(s, strerror(err));
    drop_server_fd(s);
    try_next(s);
}

static void
connect_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    ev_io_stop(loop, &s->up.wr);
    note_failure(s, "connect timed out");
    drop_server_fd(s);
    try_next(s);
}

void
obp_connect_start(struct obp_session *s)
{
    s->servers = s->w->servers;
    s->servers->refs++;
    s->next_server = 0;
    s->tried_len = 0;
    s->tried[0] = '\0';
    try_next(s);
}
