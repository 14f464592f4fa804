/*
 * Process lists with the client's connection id (plist.h).
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NULL_VALUE 0xfb         /* a NULL in a text row */

static bool
named(const uint8_t *s, size_t n, const char *name)
{
    return s != NULL && n == strlen(name)
           && strncasecmp((const char *)s, name, n) == 0;
}

/*
 * information_schema.PROCESSLIST's ID under any alias, or SHOW
 * PROCESSLIST's first column "Id", which names no table.
 */
static bool
id_column(const uint8_t *p, size_t len, uint64_t idx)
{
    const uint8_t *f[6];
    size_t         n[6];
    struct obp_rd  rd;

    obp_rd_init(&rd, p, len);
    for (int i = 0; i < 6; i++)     /* catalog ... org_name */
        f[i] = obp_rd_lenenc_str(&rd, &n[i]);
    if (rd.err)
        return false;
    if (named(f[3], n[3], "PROCESSLIST") && named(f[5], n[5], "ID"))
        return true;
    return idx == 0 && n[1] == 0 && n[2] == 0 && n[3] == 0
           && named(f[4], n[4], "Id");
}

static int
coldef(struct obp_session *s, const uint8_t *p, uint32_t len)
{
    struct obp_resp *r = &s->resp;
    uint64_t         idx = r->ncols - r->left;

    if (idx < OBP_PLIST_MAX_COLS && id_column(p, len, idx))
        r->plist_ids |= UINT64_C(1) << idx;
    return OBP_OK;
}

/* The row again, with <to> in the id columns that held <from>. */
static int
rewrite(struct obp_session *s, const uint8_t *h, uint32_t len,
        const char *from, const char *to)
{
    const uint8_t *val[OBP_PLIST_MAX_COLS];
    size_t         vlen[OBP_PLIST_MAX_COLS];
    unsigned       ncols = (unsigned)s->resp.ncols, hits = 0;
    bool           id;
    struct obp_wr  wr;
    size_t         off;

    if (obp_text_row_parse(h + OBP_PKT_HDR_LEN, len, ncols, val, vlen)
        != OBP_OK)
        return OBP_OK;      /* the client's to judge, as it is */
    for (unsigned i = 0; i < ncols; i++)
        hits += (s->resp.plist_ids >> i & 1) && named(val[i], vlen[i], from);
    if (hits == 0)
        return OBP_OK;
    /* no room for it in the client's buffer: the server's row goes */
    if (obp_conn_writer(&s->cl, &wr) != OBP_OK)
        return OBP_OK;
    off = obp_wr_pkt_begin(&wr);
    for (unsigned i = 0; i < ncols; i++) {
        id = (s->resp.plist_ids >> i & 1) && named(val[i], vlen[i], from);
        if (val[i] == NULL)
            obp_wr_u8(&wr, NULL_VALUE);
        else if (id)
            obp_wr_lenenc_str(&wr, to, strlen(to));
        else
            obp_wr_lenenc_str(&wr, val[i], vlen[i]);
    }
    obp_wr_pkt_end(&wr, off, h[3]);
    if (obp_conn_commit(&s->cl, &wr) != OBP_OK)
        return OBP_OK;
    obp_conn_skip(&s->srv->c, OBP_PKT_HDR_LEN + len);
    s->resp.wait_out = 1;
    return OBP_DONE;
}

int
obp_plist_packet(struct obp_session *s, struct obp_iobuf *b, uint32_t len)
{
    const uint8_t *h = b->data + b->parse;
    char           from[12], to[12];

    if (len > OBP_IOBUF_SIZE - OBP_PKT_HDR_LEN
        || (s->resp.phase == OBP_R_ROWS && s->resp.plist_ids == 0))
        return OBP_OK;
    if (b->recv - b->parse < OBP_PKT_HDR_LEN + len)
        return OBP_AGAIN;
    if (s->resp.phase == OBP_R_COLDEFS)
        return coldef(s, h + OBP_PKT_HDR_LEN, len);
    if (s->resp.phase != OBP_R_ROWS || s->srv->thread_id == 0)
        return OBP_OK;
    snprintf(from, sizeof(from), "%u", s->srv->thread_id);
    snprintf(to, sizeof(to), "%u", (unsigned)s->id);
    return rewrite(s, h, len, from, to);
}
