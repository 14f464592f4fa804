/*
 * Sessions as bytes (sexport.h).  Layout, little-endian:
 *
 *   u32 magic "OBPS", u16 version
 *   u32 id, u32 caps, u32 ext_caps, u32 max_packet, u16 status, u8 charset,
 *   u8 flags (1 has_pw, 2 multi_on), 20 bytes stage1, 20 bytes account
 *   str user, tenant, cluster, db; u32 + bytes attrs
 *   i8 weak, str policy, str idc (proxyvar.h); u32 + bytes held BEGIN
 *   u32 next_id, u32 last_id
 *   u16 variables: u8 user, u8 type, str name, charset, collation,
 *                  u32 + bytes value
 *   u32 statements: u32 id, u16 params, str db, u32 + bytes text,
 *                   u8 has types (+ 2 * params bytes)
 *
 * where str is u16 length + bytes.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC       0x5350424fu     /* "OBPS" */
#define F_HAS_PW    1
#define F_MULTI_ON  2

bool
obp_sexport_ok(const struct obp_session *s)
{
    const struct obp_iobuf *in = s->cl.in;

    /* the proxy's own accounts end at the drain: never a user's session */
    return s->state == OBP_SESS_READY && s->admin == OBP_ADMIN_NONE
           && s->sync == NULL && s->kill == NULL
           && s->cl.x == NULL && !s->zip && !s->req.busy && !s->req.drop
           && obp_req_packets_over(s) && !obp_ans_pending(&s->req.ans)
           && (in == NULL || in->recv == in->done)
           && obp_conn_pending(&s->cl) == 0
           && (s->srv == NULL || s->srv->state == OBP_SRV_READY)
           && (s->status & OBP_SERVER_STATUS_IN_TRANS) == 0
           && obp_sstate_restorable(&s->st);
}

static void
wstr(struct obp_wr *wr, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n > UINT16_MAX) {
        wr->err = 1;
        return;
    }
    obp_wr_u16(wr, (uint16_t)n);
    if (n > 0)
        obp_wr_bytes(wr, s, n);
}

static void
wblob(struct obp_wr *wr, const void *p, size_t n)
{
    obp_wr_u32(wr, (uint32_t)n);
    if (n > 0)
        obp_wr_bytes(wr, p, n);
}

static void
write_vars(struct obp_wr *wr, const struct obp_sstate *st)
{
    obp_wr_u16(wr, (uint16_t)st->nvars);
    for (const struct obp_svar *v = st->vars; v != NULL; v = v->next) {
        obp_wr_u8(wr, v->user);
        obp_wr_u8(wr, (uint8_t)v->type);
        wstr(wr, v->name);
        wstr(wr, v->charset);
        wstr(wr, v->collation);
        wblob(wr, v->data, v->len);
    }
}

static void
write_stmts(struct obp_wr *wr, const struct obp_sstate *st)
{
    const struct obp_stmt *stmt;
    uint32_t               pos = 0;

    obp_wr_u32(wr, st->nstmts);
    while ((stmt = obp_sstate_stmt_next(st, &pos)) != NULL) {
        obp_wr_u32(wr, stmt->id);
        obp_wr_u16(wr, stmt->params);
        wstr(wr, stmt->db);
        wblob(wr, stmt->text, stmt->text_len);
        obp_wr_u8(wr, stmt->types != NULL);
        if (stmt->types != NULL)
            obp_wr_bytes(wr, stmt->types, 2u * stmt->params);
    }
}

size_t
obp_sexport_write(const struct obp_session *s, uint8_t *buf, size_t cap)
{
    struct obp_wr wr;

    obp_wr_init(&wr, buf, cap);
    obp_wr_u32(&wr, MAGIC);
    obp_wr_u16(&wr, OBP_SEXPORT_VERSION);
    obp_wr_u32(&wr, s->id);
    obp_wr_u32(&wr, s->caps);
    obp_wr_u32(&wr, s->ext_caps);
    obp_wr_u32(&wr, s->max_packet);
    obp_wr_u16(&wr, s->status);
    obp_wr_u8(&wr, s->charset);
    obp_wr_u8(&wr, (s->has_pw ? F_HAS_PW : 0) | (s->multi_on ? F_MULTI_ON
                                                            : 0));
    obp_wr_bytes(&wr, s->stage1, sizeof(s->stage1));
    obp_wr_bytes(&wr, s->account, sizeof(s->account));
    wstr(&wr, s->name.user);
    wstr(&wr, s->name.tenant);
    wstr(&wr, s->name.cluster);
    wstr(&wr, s->db);
    wblob(&wr, s->attrs, s->attrs_len);
    obp_wr_u8(&wr, (uint8_t)(int8_t)s->rt.pv.weak);
    wstr(&wr, s->rt.pv.policy);
    wstr(&wr, s->rt.pv.idc);
    wblob(&wr, s->rt.begin, s->rt.begin != NULL ? s->rt.begin_len : 0);
    obp_wr_u32(&wr, s->st.next_id);
    obp_wr_u32(&wr, s->st.last_id);
    write_vars(&wr, &s->st);
    write_stmts(&wr, &s->st);
    return wr.err ? 0 : wr.len;
}

/* A string into <out> (<cap> bytes with its NUL); false when it is not. */
static bool
rstr(struct obp_rd *rd, char *out, size_t cap)
{
    uint16_t       n = obp_rd_u16(rd);
    const uint8_t *p = obp_rd_bytes(rd, n);

    if (rd->err || p == NULL || n >= cap || memchr(p, '\0', n) != NULL)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static const uint8_t *
rblob(struct obp_rd *rd, size_t *n)
{
    *n = obp_rd_u32(rd);
    return rd->err ? NULL : obp_rd_bytes(rd, *n);
}

static int
read_vars(struct obp_rd *rd, struct obp_sstate *st)
{
    char           name[OBP_SQLSET_NAME_MAX + 1];
    char           cs[OBP_SQLSET_NAME_MAX + 1], coll[OBP_SQLSET_NAME_MAX + 1];
    const uint8_t *data;
    size_t         len;
    uint16_t       n = obp_rd_u16(rd);
    bool           user;
    uint8_t        type;

    for (uint16_t i = 0; i < n && !rd->err; i++) {
        user = obp_rd_u8(rd) != 0;
        type = obp_rd_u8(rd);
        if (!rstr(rd, name, sizeof(name)) || !rstr(rd, cs, sizeof(cs))
            || !rstr(rd, coll, sizeof(coll)) || type > OBP_SVAL_STRING
            || ((data = rblob(rd, &len)) == NULL && len > 0)
            || obp_sstate_import_var(st, user, name, (enum obp_sval_type)type,
                                     data != NULL ? data
                                                  : (const uint8_t *)"",
                                     len, cs, coll) != OBP_OK)
            return OBP_ERROR;
    }
    return rd->err ? OBP_ERROR : OBP_OK;
}

static int
read_stmts(struct obp_rd *rd, struct obp_sstate *st)
{
    char           db[OBP_NAME_MAX];
    const uint8_t *text, *types;
    size_t         len;
    uint32_t       n = obp_rd_u32(rd), id;
    uint16_t       params;

    for (uint32_t i = 0; i < n && !rd->err; i++) {
        id = obp_rd_u32(rd);
        params = obp_rd_u16(rd);
        if (!rstr(rd, db, sizeof(db))
            || (text = rblob(rd, &len)) == NULL)
            return OBP_ERROR;
        types = obp_rd_u8(rd) != 0 ? obp_rd_bytes(rd, 2u * params) : NULL;
        if (rd->err || obp_sstate_import_stmt(st, id, params, db,
                                              (const char *)text, len,
                                              types) != OBP_OK)
            return OBP_ERROR;
    }
    return rd->err ? OBP_ERROR : OBP_OK;
}

/* Who the session is: names, capabilities, the stage1, the account. */
static int
read_identity(struct obp_rd *rd, struct obp_session *s)
{
    const uint8_t *p;
    uint8_t        flags;

    s->id = obp_rd_u32(rd);
    s->caps = obp_rd_u32(rd);
    s->ext_caps = obp_rd_u32(rd);
    s->hs_caps = s->caps;           /* what a COM_CHANGE_USER may keep */
    s->hs_ext_caps = s->ext_caps;
    s->max_packet = obp_rd_u32(rd);
    s->status = obp_rd_u16(rd);
    s->charset = obp_rd_u8(rd);
    flags = obp_rd_u8(rd);
    s->has_pw = (flags & F_HAS_PW) != 0;
    s->multi_on = (flags & F_MULTI_ON) != 0;
    if ((p = obp_rd_bytes(rd, sizeof(s->stage1))) == NULL)
        return OBP_ERROR;
    memcpy(s->stage1, p, sizeof(s->stage1));
    if ((p = obp_rd_bytes(rd, sizeof(s->account))) == NULL)
        return OBP_ERROR;
    memcpy(s->account, p, sizeof(s->account));
    if (!rstr(rd, s->name.user, sizeof(s->name.user))
        || !rstr(rd, s->name.tenant, sizeof(s->name.tenant))
        || !rstr(rd, s->name.cluster, sizeof(s->name.cluster))
        || !rstr(rd, s->db, sizeof(s->db)))
        return OBP_ERROR;
    s->name.cluster_id = -1;
    if ((p = rblob(rd, &s->attrs_len)) == NULL)
        return OBP_ERROR;
    if (s->attrs_len > 0 && (s->attrs = malloc(s->attrs_len)) == NULL)
        return OBP_ERROR;
    if (s->attrs_len > 0)
        memcpy(s->attrs, p, s->attrs_len);
    return rd->err || s->id == 0 ? OBP_ERROR : OBP_OK;
}

/* The proxy's variables and a held BEGIN. */
static int
read_routing(struct obp_rd *rd, struct obp_session *s)
{
    const uint8_t *p;
    size_t         n;

    s->rt.pv.weak = (int8_t)obp_rd_u8(rd);
    if (s->rt.pv.weak < -1 || s->rt.pv.weak > 1
        || !rstr(rd, s->rt.pv.policy, sizeof(s->rt.pv.policy))
        || !rstr(rd, s->rt.pv.idc, sizeof(s->rt.pv.idc))
        || (p = rblob(rd, &n)) == NULL)
        return OBP_ERROR;
    if (n > 0 && (s->rt.begin = malloc(n)) == NULL)
        return OBP_ERROR;
    if (n > 0)
        memcpy(s->rt.begin, p, n);
    s->rt.begin_len = n;
    return OBP_OK;
}

int
obp_sexport_read(struct obp_session *s, const uint8_t *buf, size_t len)
{
    struct obp_rd rd;

    obp_rd_init(&rd, buf, len);
    if (obp_rd_u32(&rd) != MAGIC || obp_rd_u16(&rd) != OBP_SEXPORT_VERSION
        || read_identity(&rd, s) != OBP_OK || read_routing(&rd, s) != OBP_OK)
        return OBP_ERROR;
    s->st.next_id = obp_rd_u32(&rd);
    s->st.last_id = obp_rd_u32(&rd);
    if (rd.err || read_vars(&rd, &s->st) != OBP_OK
        || read_stmts(&rd, &s->st) != OBP_OK || obp_rd_left(&rd) != 0)
        return OBP_ERROR;
    return OBP_OK;
}
