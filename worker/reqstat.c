/*
 * Statement statistics of relayed commands (reqstat.h).
 */
#include "worker.h"

/* The type of a prepared statement's execution: its text's. */
static enum obp_sqltype
stmt_type(struct obp_session *s, const uint8_t *p, uint32_t len,
          unsigned flags)
{
    struct obp_rd    rd;
    struct obp_stmt *stmt;

    if (len < 5)
        return OBP_SQLTYPE_OTHERS;
    obp_rd_init(&rd, p + 1, 4);
    stmt = obp_sstate_stmt(&s->st, obp_rd_u32(&rd));
    return stmt != NULL && stmt->text != NULL
           ? obp_sqltype_of(stmt->text, stmt->text_len, flags)
           : OBP_SQLTYPE_OTHERS;
}

void
obp_reqstat_begin(struct obp_session *s, const struct obp_iobuf *b,
                  uint32_t len)
{
    const uint8_t *p = b->data + b->parse + OBP_PKT_HDR_LEN;
    size_t         avail = b->recv - b->parse - OBP_PKT_HDR_LEN;
    unsigned       flags = (s->status & OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES)
                           ? 0 : OBP_SQLLEX_BACKSLASH;
    uint8_t        com = p[0];

    if (avail > len)
        avail = len;
    s->req.start_us = obp_now_us();
    s->req.part_hit = 0;
    switch (com) {
    case OBP_COM_QUERY: case OBP_COM_STMT_PREPARE:
        s->req.sqltype = (uint8_t)obp_sqltype_of((const char *)p + 1,
                                                 avail - 1, flags);
        break;
    case OBP_COM_STMT_EXECUTE:
        s->req.sqltype = (uint8_t)stmt_type(s, p, (uint32_t)avail, flags);
        break;
    default:
        s->req.sqltype = (uint8_t)obp_sqltype_of_com(com);
    }
}

void
obp_reqstat_end(struct obp_session *s)
{
    struct obp_worker      *w = s->w;
    struct obp_shm_sqlstat *slot = obp_shm_sqlstat(w->shm, w->shm_slot);
    struct obp_sqlstat_req  r;
    int64_t                 total;

    if (slot == NULL || s->trace.cost_us < 0)
        return;
    if (s->sqlstat_row == 0)
        s->sqlstat_row = 1 + obp_sqlstat_tenant(obp_shm_tenants(w->shm),
                                                s->name.cluster,
                                                s->name.tenant, w->pid);
    total = obp_now_us() - s->req.start_us;
    r.type = (enum obp_sqltype)s->req.sqltype;
    r.server_us = s->trace.cost_us;
    r.prepare_us = total - r.server_us;
    r.labels = (s->trace.failed ? OBP_SQLSTAT_FAIL : 0)
               | (total >= w->conf->slow_query_time_threshold
                  ? OBP_SQLSTAT_SLOW : 0)
               | (s->req.part_hit ? OBP_SQLSTAT_HIT : 0);
    /* an autocommit statement is a transaction of its own */
    r.transaction = s->trace.trx_ended
                    || (!s->trace.in_trx
                        && !(s->status & OBP_SERVER_STATUS_IN_TRANS)
                        && r.type >= OBP_SQLTYPE_SELECT
                        && r.type <= OBP_SQLTYPE_REPLACE);
    obp_sqlstat_add(&slot->row[s->sqlstat_row - 1], &r);
}
