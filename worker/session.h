/*
 * A client session: the client's conn, its login state (names, the
 * recovered stage1, capabilities), the server session it relays to and
 * the framers of both directions.  accept.c starts sessions, clogin.c
 * logs the client in, request.c and response.c relay the command phase.
 * Three files tie them together: session.c (the life cycle),
 * session_pump.c (the conn ops and the pump) and session_server.c (the
 * server session opened, reopened and lost).
 */
#ifndef OBP_WORKER_SESSION_H
#define OBP_WORKER_SESSION_H

#include <ev.h>
#include <stdint.h>

#include "acct.h"
#include "conn.h"
#include "request.h"
#include "response.h"
#include "retry.h"
#include "reroute.h"
#include "sroute.h"
#include "sstate.h"
#include "reqlog.h"
#include "trace.h"

#define OBP_SESS_ERR_WAIT 1.0       /* seconds to deliver a last ERR */
#define OBP_SESS_QUIET    0.1       /* draining: idle this long, closed */
#define OBP_SESS_PUMP_TURNS 4096    /* rounds of one pump: more than the
                                       packets one buffer can hold */

struct obp_adm_call;
struct obp_ssync;

enum obp_sess_state {
    OBP_SESS_HANDSHAKE,     /* our handshake sent, waiting for the answer */
    OBP_SESS_SWITCH,        /* auth switch sent, waiting for the token */
    OBP_SESS_VERIFY,        /* waiting for the account's rows */
    OBP_SESS_SRVLOGIN,      /* the server session is logging in */
    OBP_SESS_READY,         /* command phase */
    OBP_SESS_CLOSING        /* a last packet is being written */
};

struct obp_session {
    struct obp_session    *prev;        /* the worker's open sessions */
    struct obp_session    *next;
    struct obp_worker     *w;
    uint32_t               id;          /* client session id (handshake) */
    enum obp_sess_state    state;
    struct obp_conn        cl;          /* the client */
    struct obp_srv        *srv;         /* server session, or NULL */
    struct obp_addr        caddr;
    char                   cip[48];     /* client IP without the port */
    ev_timer               timer;       /* login, idle, packet read and
                                           last ERR bounds */
    struct obp_acct_wait   wait;        /* while verifying */
    struct obp_login_name  name;        /* user, tenant, cluster */
    char                   db[OBP_NAME_MAX];    /* current schema */
    uint8_t                scramble[OBP_SCRAMBLE_LEN];
    uint8_t                token[OBP_SHA1_LEN]; /* until verified */
    uint8_t                token_len;
    uint8_t                stage1[OBP_SHA1_LEN];
    uint8_t                account[OBP_SHA1_LEN]; /* the account row
                                           verified against (acct.h) */
    uint8_t                seq;         /* client's last login sequence */
    uint8_t                charset;
    uint32_t               caps;        /* agreed with the client */
    uint32_t               ext_caps;    /* MariaDB's, agreed */
    uint32_t               hs_caps;     /* offered by the handshake */
    uint32_t               hs_ext_caps;
    uint32_t               max_packet;
    uint16_t               status;      /* server status of the last OK */
    uint64_t               ob_caps;     /* OceanBase capabilities granted
                                           to the client (cob20.h), 0:
                                           MySQL framing */
    uint8_t               *attrs;       /* client's connect attributes */
    int64_t                connect_us;  /* when it connected, wall clock */
    int64_t                gvars_version; /* the cluster's global variables
                                           version its first OceanBase
                                           login reported (oblogin.h) */
    size_t                 attrs_len;
    struct obp_req         req;         /* client -> server framer */
    struct obp_resp        resp;        /* server -> client framer */
    struct obp_kill       *kill;        /* a KILL of ours under way */
    struct obp_adm_call   *adm_call;    /* an admin command waiting for the
                                           master (adm.h) */
    struct obp_sstate      st;          /* what a server session needs */
    struct obp_ssync      *sync;        /* the proxy's commands under way */
    struct obp_sroute      rt;          /* routing: idle server sessions */
    struct obp_mwait       mwait;       /* a table's metadata awaited */
    struct obp_trace       trace;       /* what its commands did */
    struct obp_reqlog      rlog;        /* its request logs' data */
    unsigned               sqlstat_row; /* its tenant's row + 1 in the
                                           statement statistics (reqlog.c),
                                           0 until its first count */
    unsigned               tstat_row;   /* the tenant row + 1 its client
                                           gauge counts under, 0: none
                                           (tenantstat.h) */
    struct obp_retry       retry;       /* the read that may go again */
    struct obp_reroute     reroute;     /* a statement a server sent on */
    int                    reg;         /* shared entry index + 1, or 0 */
    uint8_t                admin;       /* enum obp_admin (cmd.h): the
                                           proxy's own account */
    unsigned               has_pw:1;    /* stage1 is set */
    unsigned               refetched:1; /* account rows fetched again */
    unsigned               zip:1;       /* the client asked to compress */
    unsigned               multi_on:1;  /* COM_SET_OPTION: multi-statements */
    unsigned               gone:1;      /* the client left during a sync */
    unsigned               restoring:1; /* a new server session is synced */
    unsigned               handed_in:1; /* from the generation before */
    unsigned               trx_ended:1; /* the last response ended one */
    unsigned               idle_proxy:1; /* idle_limit is the proxy's
                                           default_inactivity_timeout */
    ev_tstamp              active_at;   /* bytes last moved (drain, idle) */
    ev_tstamp              idle_limit;  /* its wait_timeout, or the
                                           proxy's limit if smaller */
    ev_tstamp              timer_at;    /* when the timer runs out (READY) */
    uint64_t               idle_ver;    /* st.version it was read at */
    ev_timer               qtimer;      /* the server's answer (qtimeout.h) */
    ev_tstamp              srv_heard;   /* the server last moved bytes */
    unsigned               qwaiting:1;  /* a response is awaited, qtimer
                                           set if bounded */
};

/* session.c: the life cycle */

/* Starts a session for an accepted client <fd>, owned from now on. */
int obp_session_start(struct obp_worker *w, int fd,
                      const struct obp_addr *peer);

/*
 * A session handed over by the generation before (handoff.h): client
 * <fd> (owned from now on) and its export (sexport.h).  OBP_ERROR when
 * it cannot be taken (the client is closed).
 */
int obp_session_resume(struct obp_worker *w, int fd, const uint8_t *buf,
                       size_t len);

/* Sends an ERR (sequence <seq>) and closes once it is written. */
void obp_session_fail(struct obp_session *s, uint8_t seq, uint16_t code,
                      const char *sqlstate, const char *msg);

/*
 * Closes the session once what is queued for the client is written,
 * within OBP_SESS_ERR_WAIT; its server session goes at once.
 */
void obp_session_end(struct obp_session *s);

/* Closes the server session (COM_QUIT), if any: it is never pooled. */
void obp_session_drop_server(struct obp_session *s);

/* Closes both sides and frees <s>. */
void obp_session_close(struct obp_session *s, const char *why);

/* Closes every session of <w>; returns how many there were. */
unsigned obp_session_close_all(struct obp_worker *w, const char *why);

/* session_pump.c: the conn ops and the pump */

/* The conn ops of the client's conn and of its server session's. */
extern const struct obp_conn_ops obp_session_client_ops;
extern const struct obp_conn_ops obp_session_server_ops;

/*
 * While the worker drains (loop.h, every OBP_WORKER_DRAIN_TICK): closes
 * every session that stands at a transaction boundary (logged in, the
 * last response over and sent, nothing more from the client, no
 * transaction open) and has been quiet for OBP_SESS_QUIET, so a client
 * setting its connection up, or between two statements, is left alone.
 * obp_session_pump() closes a session at once when a response ends its
 * transaction.  Returns how many were closed.
 */
unsigned obp_session_close_idle(struct obp_worker *w, const char *why);

/* s->srv, logged in and brought to the state, relays the commands. */
void obp_session_attach(struct obp_session *s);

/* clogin.c: the client is logged in (server session <srv> ready). */
void obp_session_ready(struct obp_session *s);

/* Parses, relays and flushes what both directions hold. */
void obp_session_pump(struct obp_session *s);

/* session_server.c: its server session */

/* Opens a server session for <s>; clogin.c and request.c call it. */
int obp_session_open_server(struct obp_session *s);

/*
 * ssync.c: the proxy's commands on the server session ended (<rc>; a
 * failed check, srvcheck.h: OBP_AGAIN), a restore (<restore>) or a read
 * back; <why> says why one failed.
 */
void obp_session_synced(struct obp_session *s, int rc, bool restore,
                        const char *why);

/*
 * Closes <s>'s server session whose server connection id is <thread>
 * (the admin's KILL PROXYSESSION): an idle one simply goes, the current
 * one as if the server had closed it.  OBP_DONE when <s> was closed too,
 * OBP_ERROR when it holds no such server session.
 */
int obp_session_close_server(struct obp_session *s, uint32_t thread);

/*
 * The server session failed the command under way (qtimeout.h): the
 * client gets ERR <code> <sqlstate> <msg> and the server session is
 * closed; the client session goes on when a new server session can
 * stand in for it, else it is closed after the ERR.
 */
void obp_session_server_failed(struct obp_session *s, uint16_t code,
                               const char *sqlstate, const char *msg);

/* Whether a new server session can stand in for the current one. */
bool obp_session_replaceable(const struct obp_session *s);

/* The server session broke; <why> names the reason. */
void obp_session_server_lost(struct obp_session *s, const char *why);

/*
 * The same without the pump, for the pump itself: OBP_DONE when the
 * session had to be closed too.
 */
int obp_session_server_broke(struct obp_session *s, const char *why);

#endif
