/*
 * A client session's life cycle (session.h): its creation for accept.c
 * and its adoption from the generation before (handoff.c), its timer, the
 * last ERR, and teardown.  A session lives on its worker's list until
 * obp_session_close() frees it.
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void
obp_session_drop_server(struct obp_session *s)
{
    bool had = s->srv != NULL;

    obp_ssync_cancel(s);        /* its commands ran on this connection */
    s->cl.feed = NULL;
    /* COM_QUIT cannot follow half a relayed packet */
    if (had && !obp_req_packets_over(s))
        obp_srv_abort(s->srv);
    else
        obp_srv_free(s->srv);
    s->srv = NULL;
    if (had && s->reg != 0)
        obp_reg_update(s);      /* no server connection id any more */
}

void
obp_session_close(struct obp_session *s, const char *why)
{
    struct obp_worker *w = s->w;

    /* one last try for what is already decided, without waiting */
    if (s->cl.fd != -1 && obp_conn_pending(&s->cl) > 0)
        (void)obp_conn_flush(&s->cl);
    obp_acct_cancel(&s->wait);
    obp_kill_cancel(s);
    obp_adm_cancel(s);
    obp_reg_clear(s);
    ev_timer_stop(w->loop, &s->timer);
    obp_reqlog_closed(s, why);
    obp_qtimeout_stop(s);
    obp_mwait_stop(s);
    obp_log(OBP_LOG_DEBUG, s->id, 0, "session closed (%s): client %s, "
            "%llu bytes from client", why, s->caddr.text,
            (unsigned long long)s->cl.bytes);
    obp_session_drop_server(s);
    obp_sroute_reset(s, true);
    obp_conn_close(&s->cl);
    obp_req_free(&s->req);
    obp_retry_free(&s->retry);
    obp_sstate_free(&s->st);
    obp_tenantstat_out(s);
    obp_stat_add(w->stats, OBP_STAT_client_active, -1);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        w->sessions = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    w->nsessions--;
    if (s->handed_in)
        w->handed_in--;
    free(s->attrs);
    explicit_bzero(s, sizeof(*s));
    free(s);
    obp_worker_session_gone(w);
}

unsigned
obp_session_close_all(struct obp_worker *w, const char *why)
{
    unsigned n = 0;

    while (w->sessions != NULL) {
        obp_session_close(w->sessions, why);
        n++;
    }
    return n;
}

/* An ERR of the session's own (a login's, the last word): not a command's. */
static int
send_err(struct obp_session *s, uint8_t seq, uint16_t code,
         const char *sqlstate, const char *msg)
{
    struct obp_wr wr;

    if (obp_conn_writer(&s->cl, &wr) != OBP_OK)
        return OBP_ERROR;
    wr.len = obp_pkt_err(wr.buf, wr.cap, seq, code, sqlstate, msg);
    wr.err = wr.len == 0;
    return obp_conn_commit(&s->cl, &wr);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_session *s = t->data;

    if (s->state == OBP_SESS_READY) {
        obp_idle_expired(s);
        return;
    }
    if (s->state == OBP_SESS_CLOSING) {
        obp_log(OBP_LOG_INFO, s->id, 0, "client %s did not read its error "
                "packet in time", s->caddr.text);
        obp_session_close(s, "error not read");
        return;
    }
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s did not log in within "
            "client_login_timeout", s->caddr.text);
    obp_session_close(s, "login timed out");
}

void
obp_session_end(struct obp_session *s)
{
    obp_session_drop_server(s);
    obp_acct_cancel(&s->wait);
    s->state = OBP_SESS_CLOSING;
    s->cl.hold = 1;
    if (obp_conn_flush(&s->cl) != OBP_AGAIN) {
        obp_session_close(s, "error sent");
        return;
    }
    ev_timer_stop(s->w->loop, &s->timer);
    ev_timer_set(&s->timer, OBP_SESS_ERR_WAIT, 0.);
    ev_timer_start(s->w->loop, &s->timer);
}

void
obp_session_fail(struct obp_session *s, uint8_t seq, uint16_t code,
                 const char *sqlstate, const char *msg)
{
    obp_reqlog_failed(s, code, msg);
    /* queued before the server goes: <msg> may live in it */
    if (send_err(s, seq, code, sqlstate, msg) != OBP_OK) {
        obp_session_close(s, "error packet does not fit");
        return;
    }
    obp_session_end(s);
}

/* "ip:port" or "[ip]:port" -> "ip". */
static void
client_ip(char *out, size_t cap, const char *text)
{
    const char *end;

    if (text[0] == '[') {
        text++;
        end = strchr(text, ']');
    } else {
        end = strrchr(text, ':');
    }
    snprintf(out, cap, "%.*s", (int)(end != NULL ? end - text
                                                 : (ptrdiff_t)strlen(text)),
             text);
}

static bool
id_taken(const struct obp_worker *w, uint32_t id)
{
    for (const struct obp_session *s = w->sessions; s != NULL; s = s->next)
        if (s->id == id)
            return true;
    return false;
}

/*
 * A client session id: a session handed over by a hot upgrade keeps the
 * id a generation before gave it, which a new one must not take again
 * (bounded tries; only while such sessions live here).
 */
static uint32_t
new_id(struct obp_worker *w)
{
    uint32_t id = obp_sessid_next(&w->sessid);

    for (int i = 0; i < 8 && w->handed_in > 0 && id_taken(w, id); i++)
        id = obp_sessid_next(&w->sessid);
    return id;
}

/* A new session of client <fd>, on the worker's list; NULL: none. */
static struct obp_session *
session_new(struct obp_worker *w, int fd, const struct obp_addr *peer)
{
    struct obp_session *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "no session for client %s",
                peer->text);
        if (close(fd) == -1)
            obp_log(OBP_LOG_WARN, 0, errno, "close client %s", peer->text);
        return NULL;
    }
    s->w = w;
    s->id = new_id(w);
    s->caddr = *peer;
    client_ip(s->cip, sizeof(s->cip), peer->text);
    obp_conn_init(&s->cl, w, fd, s->id, OBP_STAT_bytes_from_client,
                  &obp_session_client_ops, s);
    ev_timer_init(&s->timer, timer_cb,
                  (ev_tstamp)w->conf->client_login_timeout / 1e6, 0.);
    s->timer.data = s;
    obp_qtimeout_init(s);
    obp_mwait_init(s);
    obp_reroute_init(s);
    obp_sstate_init(&s->st, s->id);
    obp_proxyvar_init(&s->rt.pv);
    s->next = w->sessions;
    if (w->sessions != NULL)
        w->sessions->prev = s;
    w->sessions = s;
    w->nsessions++;
    obp_stat_add(w->stats, OBP_STAT_client_active, 1);
    return s;
}

int
obp_session_resume(struct obp_worker *w, int fd, const uint8_t *buf,
                   size_t len)
{
    struct sockaddr_storage ss;
    socklen_t               sl = sizeof(ss);
    struct obp_addr         peer;
    struct obp_session     *s;

    memset(&ss, 0, sizeof(ss));
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
        ss.ss_family = AF_UNSPEC;
    obp_addr_from_sa(&peer, (struct sockaddr *)&ss, sl);
    if ((s = session_new(w, fd, &peer)) == NULL)
        return OBP_ERROR;
    if (obp_sexport_read(s, buf, len) != OBP_OK) {
        obp_log(OBP_LOG_WARN, s->id, 0, "client %s: the session handed over "
                "cannot be read: closed", peer.text);
        obp_session_close(s, "handed over, unreadable");
        return OBP_ERROR;
    }
    s->cl.sid = s->id;
    s->st.sid = s->id;
    s->handed_in = 1;
    w->handed_in++;
    s->state = OBP_SESS_READY;
    s->rt.cached = 0;
    s->active_at = ev_now(w->loop);
    obp_idle_arm(s);
    obp_reg_update(s);
    obp_tenantstat_in(s, false);
    obp_stat_add(w->stats, OBP_STAT_handoff_in, 1);
    obp_log(OBP_LOG_INFO, s->id, 0, "client %s ('%s', tenant '%s') taken "
            "from the generation before", peer.text, s->name.user,
            s->name.tenant);
    obp_session_pump(s);
    return OBP_OK;
}

int
obp_session_start(struct obp_worker *w, int fd, const struct obp_addr *peer)
{
    struct obp_session *s = session_new(w, fd, peer);

    if (s == NULL)
        return OBP_ERROR;
    if (obp_clogin_start(s) != OBP_OK
        || obp_conn_flush(&s->cl) == OBP_ERROR) {
        obp_log(OBP_LOG_INFO, s->id, errno, "handshake to client %s",
                peer->text);
        obp_session_close(s, "handshake not sent");
        return OBP_ERROR;
    }
    obp_conn_update(&s->cl);
    ev_timer_start(w->loop, &s->timer);
    return OBP_OK;
}

