/*
 * Retrying a read on a new server session (retry.h).
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

/*
 * One statement whole (*read: a SELECT that changes nothing the proxy
 * cannot do again).
 */
static bool
one_statement(const uint8_t *sql, size_t len, bool *read)
{
    struct obp_sql_class c;

    obp_sql_classify(&c, (const char *)sql, len, 0, NULL, 0);
    *read = c.kind == OBP_SQL_SELECT
            && (c.flags & (OBP_SQL_F_FOR_UPDATE | OBP_SQL_F_DEP_FUNC)) == 0;
    return (c.flags & (OBP_SQL_F_MORE | OBP_SQL_F_CAPPED)) == 0;
}

static bool
outside_trx(const struct obp_session *s)
{
    return (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0
           && (s->status & OBP_SERVER_STATUS_AUTOCOMMIT) != 0
           && s->rt.begin == NULL;
}

void
obp_retry_note(struct obp_session *s, const struct obp_iobuf *b,
               uint32_t len)
{
    struct obp_retry *r = &s->retry;
    const uint8_t    *h = b->data + b->parse;
    size_t            whole = OBP_PKT_HDR_LEN + (size_t)len;
    bool              read = false;

    if (!r->again)
        r->tries = 0;
    r->again = 0;
    r->len = 0;
    if (s->req.cmd != OBP_COM_QUERY || len < 1 || whole > OBP_RETRY_MAX
        || b->recv - b->parse < whole || !outside_trx(s)
        || !one_statement(h + OBP_PKT_HDR_LEN + 1, len - 1, &read))
        return;
    r->read = read;
    if (r->pkt == NULL && (r->pkt = malloc(OBP_RETRY_MAX)) == NULL)
        return;                 /* no retry, nothing worse */
    memcpy(r->pkt, h, whole);
    r->len = whole;
}

/* Puts the kept packet in front of the client's unread bytes. */
static bool
put_back(struct obp_session *s)
{
    struct obp_retry *r = &s->retry;
    struct obp_iobuf *b = s->cl.in;

    if (b == NULL && (b = s->cl.in = obp_iobuf_get(&s->w->pool)) == NULL)
        return false;
    if (b->recv - b->done + r->len > OBP_IOBUF_SIZE)
        return false;
    if (b->recv + r->len > OBP_IOBUF_SIZE)
        obp_iobuf_compact(b);
    memmove(b->data + b->parse + r->len, b->data + b->parse,
            b->recv - b->parse);
    memcpy(b->data + b->parse, r->pkt, r->len);
    b->recv += r->len;
    return true;
}

bool
obp_retry_untouched(const struct obp_session *s)
{
    const struct obp_iobuf *b = s->srv->c.in;

    return s->req.busy && obp_req_packets_over(s) && s->resp.remain == 0
           && !s->resp.cont && (b == NULL || b->parse == b->done);
}

bool
obp_retry_again(struct obp_session *s, bool untouched)
{
    struct obp_retry *r = &s->retry;
    int64_t           max = s->w->conf->connect_observer_max_retries - 1;

    /* the response's first packet would follow the command's own */
    if (r->len == 0 || !r->read || !untouched || s->resp.seq != r->pkt[3]
        || r->tries >= max || !put_back(s))
        return false;
    r->tries++;
    obp_stat_add(s->w->stats, OBP_STAT_read_retry, 1);
    r->again = 1;
    r->kick = 1;
    r->len = 0;
    return true;
}

int
obp_retry_resend(struct obp_session *s)
{
    struct obp_retry *r = &s->retry;

    if (r->len == 0 || !put_back(s))
        return OBP_ERROR;
    r->again = 1;
    r->kick = 1;
    r->len = 0;
    return OBP_OK;
}

void
obp_retry_free(struct obp_retry *r)
{
    free(r->pkt);
    r->pkt = NULL;
    r->len = 0;
}
