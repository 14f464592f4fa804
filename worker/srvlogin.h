/*
 * A server connection and its login: connect (connect.c), read the
 * server's handshake, answer it as the client would with the token
 * computed from the account's stage1 (never a plaintext), follow an auth
 * switch, and report the OK or the ERR to the owner.  Client sessions
 * (session_server.c) and account lookups (acct.c) open servers this one way.
 */
#ifndef OBP_WORKER_SRVLOGIN_H
#define OBP_WORKER_SRVLOGIN_H

#include <ev.h>
#include <stdint.h>

#include "addr.h"
#include "auth.h"
#include "conn.h"
#include "login.h"
#include "mreq.h"
#include "pkt.h"
#include "srvstmt.h"

/*
 * What the proxy relays on both legs (ODP-REFERENCE 10.3).  SSL and
 * COMPRESS are not in it: each leg negotiates its own transport
 * (clogin.c, agree_caps() here) and xport.c carries it.  Clients see
 * these in the handshake; a server leg uses the client's capabilities
 * within them.
 */
#define OBP_PROXY_CAPS                                                      \
    (OBP_CLIENT_LONG_PASSWORD | OBP_CLIENT_FOUND_ROWS                      \
     | OBP_CLIENT_LONG_FLAG | OBP_CLIENT_CONNECT_WITH_DB                   \
     | OBP_CLIENT_NO_SCHEMA | OBP_CLIENT_ODBC | OBP_CLIENT_LOCAL_FILES     \
     | OBP_CLIENT_IGNORE_SPACE | OBP_CLIENT_PROTOCOL_41                    \
     | OBP_CLIENT_INTERACTIVE | OBP_CLIENT_IGNORE_SIGPIPE                  \
     | OBP_CLIENT_TRANSACTIONS | OBP_CLIENT_RESERVED                       \
     | OBP_CLIENT_SECURE_CONNECTION | OBP_CLIENT_MULTI_STATEMENTS          \
     | OBP_CLIENT_MULTI_RESULTS | OBP_CLIENT_PS_MULTI_RESULTS              \
     | OBP_CLIENT_PLUGIN_AUTH | OBP_CLIENT_CONNECT_ATTRS                   \
     | OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA | OBP_CLIENT_SESSION_TRACK       \
     | OBP_CLIENT_DEPRECATE_EOF)

/* What the proxy's own login of a client needs, whatever the servers say. */
#define OBP_PROXY_LOGIN_CAPS                                                \
    (OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SECURE_CONNECTION                 \
     | OBP_CLIENT_PLUGIN_AUTH)

/* The version announced before the servers' own is known (ODP's). */
#define OBP_DEFAULT_VERSION "5.6.25"

/*
 * MariaDB's extended capabilities the proxy relays.  Extended metadata
 * only adds a field to column definitions.  Progress reports, bulk
 * execution, COM_MULTI and metadata caching change the packets the proxy
 * frames or the commands it routes: stripped.
 */
#define OBP_PROXY_EXT_CAPS OBP_MARIADB_CLIENT_EXTENDED_METADATA

/* What the proxy presents to the server on the client's behalf. */
struct obp_srv_login {
    char           user[OBP_NAME_MAX];
    char           db[OBP_NAME_MAX];    /* "" for none */
    char           tenant[OBP_NAME_MAX]; /* "": rootservice_list's servers */
    char           cluster[OBP_NAME_MAX];
    char           client_ip[48];       /* an OceanBase login's __client_ip */
    uint16_t       client_port;         /* and the rest of ODP's attributes */
    uint32_t       cs_id;               /* (oblogin.h) */
    int64_t        cluster_id;          /* the name's :cluster_id, -1: none */
    int64_t        connect_us;          /* the client's, wall clock */
    int64_t        gvars_version;       /* 0: the session's first login */
    uint8_t        scramble[OBP_SCRAMBLE_LEN]; /* the client's */
    uint8_t        stage1[OBP_SHA1_LEN];
    uint8_t        account[OBP_SHA1_LEN];  /* the client's account row,
                                           obp_acct_row_id: pool key */
    unsigned       has_pw:1;            /* 0: an empty password */
    uint32_t       caps;                /* the client's capabilities */
    uint32_t       ext_caps;            /* and MariaDB's extended ones */
    uint32_t       max_packet;
    uint8_t        charset;
    const uint8_t *attrs;               /* borrowed until done, or NULL */
    size_t         attrs_len;
};

enum obp_srv_state {
    OBP_SRV_NEW,            /* waiting for the loop to start it */
    OBP_SRV_CONNECTING,     /* connect.c at work */
    OBP_SRV_GREETING,       /* connected, waiting for the handshake */
    OBP_SRV_AUTH,           /* response sent, waiting for OK/ERR */
    OBP_SRV_READY,          /* logged in: the owner has the conn */
    OBP_SRV_FAILED
};

struct obp_srv;

/* rc OBP_OK: logged in (srv->ok is valid during the call); else failed. */
typedef void (*obp_srv_done_cb)(struct obp_srv *srv, int rc);

struct obp_srv {
    struct obp_conn      c;             /* once connected */
    struct obp_worker   *w;
    uint64_t             sid;           /* session id in log lines */
    enum obp_srv_state   state;
    struct obp_addr      addr;          /* server tried or connected */
    struct obp_servers  *servers;       /* held until logged in */
    int                  next;          /* index into servers->addr */
    int                  bl;            /* addr's blocklist index, or -1 */
    int                  skipped;       /* blocked servers passed over */
    int                  tries;         /* servers tried */
    int                  fd;            /* socket being connected, or -1 */
    ev_io                cw;            /* connect completion */
    ev_timer             timer;         /* start, connect, login bound */
    size_t               tried_len;
    char                 tried[400];    /* "ADDR (reason), ..." */
    struct obp_srv_login lg;            /* stage1 zeroed once logged in */
    uint8_t             *own_attrs;     /* the attributes lg.attrs points
                                           to when the proxy adds its own
                                           (sob20.h), until done */
    const uint8_t       *cl_attrs;      /* the client's, while own_attrs
                                           are made for each server */
    size_t               cl_attrs_len;
    uint32_t             caps;          /* agreed with the server */
    uint32_t             ext_caps;      /* MariaDB's, agreed */
    uint16_t             status;        /* from the server's last OK */
    uint32_t             thread_id;     /* the server's connection id */
    uint8_t              seq;           /* last sequence number seen */
    uint8_t              ob20_zlevel;   /* OB 2.0's zlib variant asked at
                                           this level (0: not asked) */
    struct obp_ok        ok;            /* the login OK, during done() */
    obp_srv_done_cb      done;
    void                *owner;
    uint16_t             err_code;      /* why it failed */
    char                 err_state[6];
    char                 err_msg[400];
    unsigned             from_server:1; /* err_* is the server's ERR */
    unsigned             ob20_asked:1;  /* the login asked for OB 2.0 */
    unsigned             ip_sent:1;     /* its login sent __client_ip */
    unsigned             counted:1;     /* in server_active */
    unsigned             for_client:1;  /* a client session's: counted
                                           per tenant (tenantstat.h) */
    unsigned             resetting:1;   /* pool.c: COM_RESET_CONNECTION */
    unsigned             forced:1;      /* trying blocked servers too */
    unsigned             retrying:1;    /* its server failed since it last
                                           answered (obp_connect_timeout) */
    unsigned             tw_asked:1;    /* its tenant's servers asked for */
    struct obp_mreq_ticket tw;          /* that request */
    int64_t              tw_until_us;   /* waited for until then */
    unsigned             tstat_row;     /* its tenant's row + 1, once
                                           counted */
    struct obp_srv      *pprev;         /* pool.c's or srvquit.c's list */
    struct obp_srv      *pnext;
    char                 pool_db[OBP_NAME_MAX]; /* its current schema (a
                                           session's, or the pool key) */
    struct obp_srvstmt_map stmts;       /* statements prepared on it */
    struct obp_sessinfo_peer peer;      /* its session info (sessinfo.h) */
    uint64_t             st_ver;        /* the session state version its
                                           variables were set to */
    uint32_t             pool_caps;     /* key: the client's format caps */
    uint32_t             pool_ext_caps; /* key: and its extended ones */
    uint8_t              pool_charset;  /* key: the client's charset */
};

/*
 * Opens a connection logged in as <lg> (copied); <done> is called once,
 * never before this returns.  NULL when out of memory.
 */
struct obp_srv *obp_srv_open(struct obp_worker *w, uint64_t sid,
                             const struct obp_srv_login *lg,
                             obp_srv_done_cb done, void *owner);

/* Seconds a server gets to close its end after the proxy's COM_QUIT. */
#define OBP_SRV_QUIT_WAIT 1.0

/*
 * Closes and frees <srv> (NULL is fine); never calls done.  A logged-in
 * connection ends with COM_QUIT, so the server does not count it as an
 * aborted client: COM_QUIT is queued after what is pending (bytes
 * relayed from srv->c.feed must end on a packet boundary) and the
 * connection lingers on the worker's list, its input discarded, until
 * the server closes it or OBP_SRV_QUIT_WAIT passes (srvquit.c).
 */
void obp_srv_free(struct obp_srv *srv);

/* Closes and frees <srv> at once, without COM_QUIT (half a packet sent). */
void obp_srv_abort(struct obp_srv *srv);

/* Frees every lingering connection at once (worker exit). */
void obp_srv_quit_all(struct obp_worker *w);

/* Hands the logged-in conn to a new owner (its session info detached). */
void obp_srv_adopt(struct obp_srv *srv, const struct obp_conn_ops *ops,
                   void *owner);

/* connect.c: <fd> is connected; the login starts. */
void obp_srv_connected(struct obp_srv *srv, int fd);

/* Records why the connection failed, closes it and calls done. */
void obp_srv_fail(struct obp_srv *srv, uint16_t code, const char *state,
                  const char *fmt, ...) OBP_PRINTF(4, 5);

#endif
