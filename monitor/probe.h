/*
 * The monitor's MySQL client: one connection to one server, logged in as
 * the service account (the workers' account lookups use the same one),
 * kept open between rounds and opened again after a failure.  A round
 * runs the probe's queries one at a time:
 *
 *   select 'detect server' from dual      (ODP's detection query)
 *   select @@global.read_only
 *   SHOW SLAVE STATUS                     (the replica's threads and lag)
 *   select @@global.gtid_current_pos      (MariaDB's position, gtid.h)
 *   select @@global.gtid_executed         (MySQL's; each NULL when
 *                                          longer than 16000 bytes)
 *
 * Every socket is non-blocking, a watcher of the monitor's loop; every
 * step (connect, handshake, login, each query) is bounded by
 * detect_server_timeout.  A server that answers the login or a query
 * with an error still answered: the round succeeds, with what it could
 * not read unknown.  Only the packet codec and the auth arithmetic of
 * the shared library are used (pkt.h, auth.h).
 */
#ifndef OBP_MONITOR_PROBE_H
#define OBP_MONITOR_PROBE_H

#define OBP_PROBE_IN_MAX   16384    /* the largest packet a probe reads */
#define OBP_PROBE_OUT_MAX  4096     /* the longest query, in a packet */
#define OBP_PROBE_NVALS    3        /* values a query keeps of its row */
#define OBP_PROBE_VAL_MAX  32

enum obp_probe_state {
    OBP_PROBE_CLOSED = 0,
    OBP_PROBE_CONNECTING,
    OBP_PROBE_GREETING,
    OBP_PROBE_AUTH,
    OBP_PROBE_IDLE,             /* logged in, between queries or rounds */
    OBP_PROBE_QUERY
};

struct obp_probe;

/*
 * A round of other queries (the OceanBase source's, obmeta.h): the
 * probe asks <sql> for query <i> (0, 1, ...) once the one before is
 * over, so a query may depend on what the earlier ones returned; the
 * round ends when <sql> gives none (0).  Each answer comes column names
 * first, then rows (NULL for SQL NULL), then <over> with <answered>
 * false for an ERR.  <user> replaces the service account's name (the
 * same password); <db>, when not NULL, is the login's database.
 */
struct obp_probe_script {
    const char *user;
    const char *db;
    size_t    (*sql)(void *arg, unsigned i, char *buf, size_t cap);
    void      (*col)(void *arg, unsigned col, const uint8_t *name,
                     size_t len);
    void      (*row)(void *arg, const uint8_t *const *val,
                     const size_t *vlen, unsigned ncols);
    void      (*over)(void *arg, unsigned i, bool answered);
    void       *arg;
};

/* A round ended: OBP_OK (answered) or OBP_ERROR (<why> says what). */
typedef void (*obp_probe_done_cb)(struct obp_probe *p, int rc);

struct obp_probe {
    struct ev_loop          *loop;
    struct obp_conf *const  *conf;      /* the monitor's, swapped by reloads */
    int                      idx;       /* in the server table */
    struct obp_addr          addr;
    int                      fd;
    enum obp_probe_state     state;
    bool                     busy;      /* a round is under way */
    bool                     old_pw;    /* observer_sys_password1 next */
    bool                     denied;    /* the login was refused */
    bool                     too_big;   /* a packet over OBP_PROBE_IN_MAX */
    enum obp_gtid_kind       flavour;   /* the position the server keeps,
                                           from its handshake */
    uint8_t                  seq;
    uint32_t                 caps;
    unsigned                 query;     /* the round's query under way */
    int64_t                  round_us;  /* when the round started */
    ev_io                    io;
    ev_timer                 timer;
    obp_probe_done_cb        done;
    void                    *owner;
    const struct obp_probe_script *script;  /* NULL: the detection's */
    /* the query under way: its result set */
    int                      phase;     /* what the next packet is */
    uint64_t                 ncols;
    uint64_t                 col;       /* column definitions read */
    int                      pos[OBP_PROBE_NVALS]; /* column of each value */
    bool                     got_row;
    bool                     is_null[OBP_PROBE_NVALS];
    char                     val[OBP_PROBE_NVALS][OBP_PROBE_VAL_MAX];
    struct obp_probe_result  res;       /* the round's findings */
    char                     why[160];  /* why the round failed */
    size_t                   in_len;
    size_t                   out_len;
    size_t                   out_off;
    uint8_t                  in[OBP_PROBE_IN_MAX];
    uint8_t                  out[OBP_PROBE_OUT_MAX];
};

/*
 * A closed probe of server <idx> at <addr> ("ip:port"), reading the
 * configuration *<conf> (the monitor's, which a reload replaces).
 */
int obp_probe_init(struct obp_probe *p, struct ev_loop *loop,
                   struct obp_conf *const *conf, int idx, const char *addr,
                   obp_probe_done_cb done, void *owner);

/* Starts a round (connecting first when closed).  Not while busy. */
void obp_probe_start(struct obp_probe *p);

/* Closes the connection; a round under way ends without its callback. */
void obp_probe_close(struct obp_probe *p);

#endif
