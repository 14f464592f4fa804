/*
 * Answers of the proxy's own (answer.h): packets are written with the
 * codec's writers (shared/pkt.h) into a buffer that grows, doubling, up
 * to the limit.
 */
#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANS_FIRST_CAP 1024
#define ANS_MSG_MAX   512
#define ER_OUT_OF_RESOURCES 1041

/* What one packet writer needs besides the writer and its number. */
struct ans_pkt {
    const struct obp_ans *a;
    struct obp_ok         ok;
    uint16_t              code;
    const char           *state;
    const char           *msg;
    struct obp_coldef     col;
    const char *const    *val;
    size_t                len[OBP_ANS_MAX_COLS];
};

typedef int (*ans_put_fn)(struct obp_wr *wr, uint8_t seq,
                          const struct ans_pkt *p);

void
obp_ans_init(struct obp_ans *a, uint32_t caps, uint32_t ext_caps,
             uint16_t status, size_t limit)
{
    obp_ans_reset(a);
    a->caps = caps;
    a->ext_caps = ext_caps;
    a->status = status;
    a->limit = limit;
}

void
obp_ans_reset(struct obp_ans *a)
{
    free(a->buf);
    a->buf = NULL;
    a->len = a->cap = a->sent = 0;
    a->kind = OBP_ANS_NONE;
    a->ncols = a->defined = a->npkts = 0;
    a->ended = a->over = 0;
}

bool
obp_ans_pending(const struct obp_ans *a)
{
    return a->kind != OBP_ANS_NONE && a->sent < a->len;
}

/* Room for <want> more bytes within the limit; false sets <over>. */
static bool
grow(struct obp_ans *a, size_t want)
{
    size_t   cap = a->cap > 0 ? a->cap : ANS_FIRST_CAP;
    uint8_t *p;

    /* doubling: bounded by the limit */
    while (cap - a->len < want && cap < a->limit)
        cap = cap > a->limit / 2 ? a->limit : cap * 2;
    if (cap - a->len < want || cap > a->limit) {
        a->over = 1;
        return false;
    }
    if (cap == a->cap)
        return true;
    if ((p = realloc(a->buf, cap)) == NULL) {
        a->over = 1;
        return false;
    }
    a->buf = p;
    a->cap = cap;
    return true;
}

/* One packet by <fn>, written again in a larger buffer if it did not fit. */
static int
put(struct obp_ans *a, ans_put_fn fn, const struct ans_pkt *p)
{
    struct obp_wr wr;
    size_t        want = 64;

    if (a->over)
        return OBP_ERROR;
    /* each turn at least doubles the room: bounded by the limit */
    for (;;) {
        if (!grow(a, want))
            return OBP_ERROR;
        obp_wr_init(&wr, a->buf + a->len, a->cap - a->len);
        if (fn(&wr, (uint8_t)a->npkts, p) == OBP_OK)
            break;
        want = (a->cap - a->len) * 2;
    }
    a->len += wr.len;
    a->npkts++;
    return OBP_OK;
}

static int
put_ok(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_ok_write(wr, seq, &p->ok, p->a->caps);
}

/* A new answer in the same buffer: what was built before is dropped. */
static void
restart(struct obp_ans *a, enum obp_ans_kind kind)
{
    a->len = a->sent = 0;
    a->npkts = a->ncols = a->defined = 0;
    a->ended = a->over = 0;
    a->kind = kind;
}

int
obp_ans_ok(struct obp_ans *a, uint64_t affected, const char *info)
{
    struct ans_pkt p = { .a = a };

    restart(a, OBP_ANS_OK);
    p.ok.affected_rows = affected;
    p.ok.status = a->status;
    if (info != NULL) {
        p.ok.info = (const uint8_t *)info;
        p.ok.info_len = strlen(info);
    }
    return put(a, put_ok, &p);
}

static int
put_err(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    wr->len = obp_pkt_err(wr->buf, wr->cap, seq, p->code, p->state, p->msg);
    return wr->len > 0 ? OBP_OK : OBP_ERROR;
}

int
obp_ans_err(struct obp_ans *a, uint16_t code, const char *sqlstate,
            const char *fmt, ...)
{
    struct ans_pkt p = { .a = a, .code = code, .state = sqlstate };
    char           msg[ANS_MSG_MAX];
    va_list        ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    p.msg = msg;
    restart(a, OBP_ANS_ERR);
    return put(a, put_err, &p);
}

static int
put_count(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_rset_count_write(wr, seq, p->a->ncols);
}

int
obp_ans_columns(struct obp_ans *a, unsigned ncols)
{
    struct ans_pkt p = { .a = a };

    restart(a, OBP_ANS_RSET);
    if (ncols == 0 || ncols > OBP_ANS_MAX_COLS) {
        a->over = 1;
        return OBP_ERROR;
    }
    a->ncols = ncols;
    return put(a, put_count, &p);
}

static int
put_col(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_coldef_write(wr, seq, &p->col,
                            (p->a->ext_caps
                             & OBP_MARIADB_CLIENT_EXTENDED_METADATA) != 0);
}

static int
put_eof(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_eof_write(wr, seq, 0, p->a->status);
}

/* The column definition of each enum obp_ans_type. */
static void
col_type(struct obp_coldef *c, enum obp_ans_type type)
{
    switch (type) {
    case OBP_ANS_INT:
        c->type = OBP_TYPE_LONGLONG;
        c->charset = OBP_BINARY_CHARSET;
        c->length = 20;
        c->flags = OBP_FLAG_BINARY;
        break;
    case OBP_ANS_TIME:
        c->type = OBP_TYPE_TIMESTAMP;
        c->charset = OBP_BINARY_CHARSET;
        c->length = 26;
        c->flags = OBP_FLAG_BINARY;
        c->decimals = 6;
        break;
    default:
        c->type = OBP_TYPE_VAR_STRING;
        c->charset = OBP_DEFAULT_CHARSET;
        c->length = 1024;
        break;
    }
}

int
obp_ans_col(struct obp_ans *a, const char *name, enum obp_ans_type type)
{
    struct ans_pkt p = { .a = a };

    if (a->kind != OBP_ANS_RSET || a->defined >= a->ncols) {
        a->over = 1;
        return OBP_ERROR;
    }
    p.col.name = name;
    col_type(&p.col, type);
    if (put(a, put_col, &p) != OBP_OK)
        return OBP_ERROR;
    if (++a->defined < a->ncols || (a->caps & OBP_CLIENT_DEPRECATE_EOF))
        return OBP_OK;
    return put(a, put_eof, &p);
}

static int
put_row(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_text_row_write(wr, seq, p->a->ncols, p->val, p->len);
}

int
obp_ans_row(struct obp_ans *a, const char *const *val)
{
    struct ans_pkt p = { .a = a, .val = val };

    if (a->kind != OBP_ANS_RSET || a->defined < a->ncols || a->ended) {
        a->over = 1;
        return OBP_ERROR;
    }
    for (unsigned i = 0; i < a->ncols; i++)
        p.len[i] = val[i] != NULL ? strlen(val[i]) : 0;
    return put(a, put_row, &p);
}

static int
put_end(struct obp_wr *wr, uint8_t seq, const struct ans_pkt *p)
{
    return obp_rset_end_write(wr, seq, p->a->status, p->a->caps);
}

int
obp_ans_end(struct obp_ans *a)
{
    struct ans_pkt p = { .a = a };

    if (a->kind != OBP_ANS_RSET || a->defined < a->ncols || a->ended) {
        a->over = 1;
        return OBP_ERROR;
    }
    if (put(a, put_end, &p) != OBP_OK)
        return OBP_ERROR;
    a->ended = 1;
    return OBP_OK;
}

int
obp_ans_check(struct obp_ans *a, const char *what)
{
    if (!a->over && (a->kind != OBP_ANS_RSET || a->ended))
        return OBP_OK;
    /* the ERR fits: the limit's minimum is far larger than any ERR */
    return obp_ans_err(a, ER_OUT_OF_RESOURCES, "HY000", "obproxy: the "
                       "answer to %s does not fit internal_cmd_mem_limited "
                       "(%zu bytes)", what, a->limit);
}

void
obp_ans_number(struct obp_ans *a, uint8_t first)
{
    size_t off = 0;

    /* each packet's header says how far the next one is */
    while (off + OBP_PKT_HDR_LEN <= a->len) {
        a->buf[off + 3] = (uint8_t)(a->buf[off + 3] + first);
        off += OBP_PKT_HDR_LEN + obp_pkt_payload_len(a->buf + off);
    }
}

size_t
obp_ans_take(struct obp_ans *a, uint8_t *buf, size_t cap)
{
    size_t n = a->len - a->sent;

    if (n > cap)
        n = cap;
    memcpy(buf, a->buf + a->sent, n);
    a->sent += n;
    return n;
}
