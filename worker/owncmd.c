/*
 * The proxy's own commands (owncmd.h): the command packet is queued on
 * the connection's own buffer in as many pieces as it takes (the drained
 * callback writes the next one), and the answer is read whole packet by
 * packet, following the result set or the prepare answer, with or
 * without the EOF packets that DEPRECATE_EOF leaves out.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OC_FIRST,           /* OK, ERR, a column count or a prepare OK */
    OC_COLDEFS,         /* column definitions, <left> to go */
    OC_COLEOF,          /* the EOF after them */
    OC_ROWS,            /* rows until EOF/OK */
    OC_PREP_DEFS        /* a prepare's definitions, <left> packets */
};

static void oc_read(struct obp_conn *c);
static void oc_error(struct obp_conn *c, int err);
static void oc_drained(struct obp_conn *c);

static const struct obp_conn_ops oc_ops = { oc_read, oc_error, oc_drained };

void
obp_owncmd_stop(struct obp_owncmd *oc)
{
    if (!oc->running)
        return;
    oc->running = 0;
    ev_timer_stop(oc->srv->w->loop, &oc->timer);
    free(oc->pkt);
    oc->pkt = NULL;
}

static void
finish(struct obp_owncmd *oc, int rc)
{
    obp_owncmd_stop(oc);
    oc->done(oc, rc);
}

/* The command failed; <lost>: the connection cannot be used any more. */
static int OBP_PRINTF(3, 4)
oc_fail(struct obp_owncmd *oc, int lost, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(oc->err, sizeof(oc->err), fmt, ap);
    va_end(ap);
    oc->lost = lost != 0;
    finish(oc, OBP_ERROR);
    return OBP_DONE;
}

static int
server_err(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    struct obp_err e;

    if (obp_err_parse(&e, p, len) != OBP_OK)
        return oc_fail(oc, 1, "malformed error packet");
    oc->err_code = e.code;
    obp_strlcpy(oc->err_state, e.sqlstate, sizeof(oc->err_state));
    return oc_fail(oc, 0, "%u (%s): %.*s", e.code, e.sqlstate,
                   (int)e.msg_len, e.msg);
}

static bool
deprecate_eof(const struct obp_owncmd *oc)
{
    return (oc->srv->caps & OBP_CLIENT_DEPRECATE_EOF) != 0;
}

/* The packet ending a result set: an EOF, or the OK 0xfe replacing it. */
static bool
result_end(const struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    return deprecate_eof(oc) ? p[0] == OBP_PKT_EOF : obp_is_eof(p, len);
}

static int
coldef(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    struct obp_owncmd_col *col = &oc->col[oc->ncols - oc->left];
    struct obp_rd          rd;

    obp_rd_init(&rd, p, len);
    for (int i = 0; i < 6; i++)     /* catalog ... org_name */
        obp_rd_lenenc_str(&rd, NULL);
    if (oc->srv->ext_caps & OBP_MARIADB_CLIENT_EXTENDED_METADATA)
        obp_rd_lenenc_str(&rd, NULL);   /* type name, format */
    obp_rd_lenenc(&rd, NULL);       /* length of the fixed fields */
    col->charset = obp_rd_u16(&rd);
    obp_rd_u32(&rd);
    col->type = obp_rd_u8(&rd);
    col->flags = obp_rd_u16(&rd);
    if (rd.err)
        return oc_fail(oc, 1, "malformed column definition");
    if (--oc->left == 0)
        oc->phase = deprecate_eof(oc) ? OC_ROWS : OC_COLEOF;
    return OBP_OK;
}

static int
take_row(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    const uint8_t *val[OBP_OWNCMD_MAX_COLS];
    size_t         vlen[OBP_OWNCMD_MAX_COLS];

    if (obp_text_row_parse(p, len, oc->ncols, val, vlen) != OBP_OK)
        return oc_fail(oc, 1, "malformed row");
    if (oc->row == NULL || oc->row(oc, val, vlen) != OBP_OK)
        return oc_fail(oc, 0, "row refused");
    return OBP_OK;
}

/*
 * A prepare's OK: id, columns, parameters.  Their definitions follow,
 * each group closed by an EOF unless DEPRECATE_EOF: they are counted.
 */
static int
prepared(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    struct obp_rd rd;
    unsigned      eof = deprecate_eof(oc) ? 0 : 1;

    obp_rd_init(&rd, p, len);
    obp_rd_u8(&rd);
    oc->stmt_id = obp_rd_u32(&rd);
    oc->stmt_cols = obp_rd_u16(&rd);
    oc->stmt_params = obp_rd_u16(&rd);
    if (rd.err)
        return oc_fail(oc, 1, "malformed prepare answer");
    oc->left = (uint64_t)oc->stmt_params + oc->stmt_cols
               + (oc->stmt_params > 0 ? eof : 0)
               + (oc->stmt_cols > 0 ? eof : 0);
    oc->phase = OC_PREP_DEFS;
    if (oc->left == 0) {
        finish(oc, OBP_OK);
        return OBP_DONE;
    }
    return OBP_OK;
}

static int
first(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    struct obp_rd rd;
    uint64_t      n;

    if (p[0] == OBP_PKT_ERR)
        return server_err(oc, p, len);
    if (oc->cmd == OBP_COM_STMT_PREPARE) {
        if (p[0] != OBP_PKT_OK)
            return oc_fail(oc, 1, "unexpected answer to a prepare");
        return prepared(oc, p, len);
    }
    if (p[0] == OBP_PKT_OK) {
        finish(oc, OBP_OK);
        return OBP_DONE;
    }
    obp_rd_init(&rd, p, len);
    n = obp_rd_lenenc(&rd, NULL);
    if (rd.err || n == 0 || n > OBP_OWNCMD_MAX_COLS)
        return oc_fail(oc, 1, "unexpected column count");
    oc->ncols = (unsigned)n;
    oc->left = n;
    oc->phase = OC_COLDEFS;
    return OBP_OK;
}

/* One whole packet of the answer; OBP_DONE once done was called. */
static int
packet(struct obp_owncmd *oc, const uint8_t *p, size_t len)
{
    if (len == 0)
        return oc_fail(oc, 1, "empty packet");
    switch (oc->phase) {
    case OC_FIRST:
        return first(oc, p, len);
    case OC_COLDEFS:
        return coldef(oc, p, len);
    case OC_COLEOF:
        if (!obp_is_eof(p, len))
            return oc_fail(oc, 1, "no EOF after the column definitions");
        oc->phase = OC_ROWS;
        return OBP_OK;
    case OC_ROWS:
        if (p[0] == OBP_PKT_ERR)
            return server_err(oc, p, len);
        if (result_end(oc, p, len)) {
            finish(oc, OBP_OK);
            return OBP_DONE;
        }
        return take_row(oc, p, len);
    default:
        if (--oc->left > 0)
            return OBP_OK;      /* a definition of the prepared statement */
        finish(oc, OBP_OK);
        return OBP_DONE;
    }
}

static void
oc_read(struct obp_conn *c)
{
    struct obp_owncmd *oc = c->owner;
    const uint8_t     *h;
    uint32_t           len;
    int                rc;

    while ((rc = obp_iobuf_packet(c->in, &h, &len)) == OBP_OK) {
        obp_conn_skip(c, OBP_PKT_HDR_LEN + len);
        if (packet(oc, h + OBP_PKT_HDR_LEN, len) == OBP_DONE)
            return;
    }
    if (rc == OBP_ERROR) {
        oc_fail(oc, 1, "oversized packet in the answer");
        return;
    }
    obp_conn_trim(c);
    obp_conn_update(c);
}

static void
oc_error(struct obp_conn *c, int err)
{
    oc_fail(c->owner, 1, "%s", err == 0 ? "the server closed the connection"
                                        : strerror(err));
}

/* Queues what fits of the command; OBP_ERROR when the socket failed. */
static int
feed(struct obp_owncmd *oc)
{
    struct obp_conn *c = &oc->srv->c;
    struct obp_wr    wr;
    size_t           n;
    int              rc = OBP_OK;

    /* each turn queues up to a buffer or stops: bounded by the packet */
    while (oc->sent < oc->pkt_len && rc == OBP_OK) {
        if (obp_conn_writer(c, &wr) != OBP_OK)
            return OBP_ERROR;
        n = oc->pkt_len - oc->sent;
        n = n < wr.cap ? n : wr.cap;
        if (n == 0)
            break;              /* full: the drained callback goes on */
        obp_wr_bytes(&wr, oc->pkt + oc->sent, n);
        if (obp_conn_commit(c, &wr) != OBP_OK)
            return OBP_ERROR;
        oc->sent += n;
        rc = obp_conn_flush(c);
    }
    obp_conn_update(c);
    return rc == OBP_ERROR ? OBP_ERROR : OBP_OK;
}

static void
oc_drained(struct obp_conn *c)
{
    struct obp_owncmd *oc = c->owner;

    if (oc->sent < oc->pkt_len && feed(oc) != OBP_OK)
        oc_fail(oc, 1, "%s", strerror(errno));
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_owncmd *oc = t->data;

    oc_fail(oc, 1, "no answer within %.3f s", t->repeat);
}

static int
start(struct obp_owncmd *oc, struct obp_srv *srv, uint8_t cmd,
      const char *sql, size_t len, double timeout)
{
    size_t n = OBP_PKT_HDR_LEN + 1 + len;

    oc->srv = srv;
    oc->cmd = cmd;
    oc->phase = OC_FIRST;
    if (len >= OBP_PKT_MAX_PAYLOAD || (oc->pkt = malloc(n)) == NULL) {
        snprintf(oc->err, sizeof(oc->err), "a command of %zu bytes", len);
        return OBP_ERROR;
    }
    obp_pkt_put_hdr(oc->pkt, (uint32_t)(len + 1), 0);
    oc->pkt[OBP_PKT_HDR_LEN] = cmd;
    memcpy(oc->pkt + OBP_PKT_HDR_LEN + 1, sql, len);
    oc->pkt_len = n;
    oc->running = 1;
    obp_srv_adopt(srv, &oc_ops, oc);
    /* the repeat value doubles as the limit shown in the message */
    ev_timer_init(&oc->timer, timeout_cb, timeout, timeout);
    oc->timer.data = oc;
    ev_timer_start(srv->w->loop, &oc->timer);
    if (feed(oc) != OBP_OK) {
        snprintf(oc->err, sizeof(oc->err), "%s", strerror(errno));
        oc->lost = 1;
        obp_owncmd_stop(oc);
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_owncmd_query(struct obp_owncmd *oc, struct obp_srv *srv,
                 const char *sql, size_t len, double timeout,
                 obp_owncmd_row_cb row, obp_owncmd_done_cb done, void *owner)
{
    memset(oc, 0, sizeof(*oc));
    oc->row = row;
    oc->done = done;
    oc->owner = owner;
    return start(oc, srv, OBP_COM_QUERY, sql, len, timeout);
}

int
obp_owncmd_prepare(struct obp_owncmd *oc, struct obp_srv *srv,
                   const char *sql, size_t len, double timeout,
                   obp_owncmd_done_cb done, void *owner)
{
    memset(oc, 0, sizeof(*oc));
    oc->done = done;
    oc->owner = owner;
    return start(oc, srv, OBP_COM_STMT_PREPARE, sql, len, timeout);
}

int
obp_owncmd_ping(struct obp_owncmd *oc, struct obp_srv *srv, double timeout,
                obp_owncmd_done_cb done, void *owner)
{
    memset(oc, 0, sizeof(*oc));
    oc->done = done;
    oc->owner = owner;
    return start(oc, srv, OBP_COM_PING, "", 0, timeout);
}
