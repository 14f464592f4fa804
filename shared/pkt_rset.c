/*
 * The text result sets the proxy writes itself (pkt.h): the column
 * count, column definitions (Protocol::ColumnDefinition41, with MariaDB's
 * extended metadata when the client agreed to it), text rows and the
 * packet ending the rows.  worker/answer.c builds its answers with them.
 */
#include "obp.h"

#include <string.h>

#define COLDEF_FIXED_LEN 0x0c   /* charset .. filler */

static int
rset_done(struct obp_wr *wr, size_t off, uint8_t seq)
{
    obp_wr_pkt_end(wr, off, seq);
    return wr->err ? OBP_ERROR : OBP_OK;
}

int
obp_rset_count_write(struct obp_wr *wr, uint8_t seq, uint64_t ncols)
{
    size_t off = obp_wr_pkt_begin(wr);

    obp_wr_lenenc(wr, ncols);
    return rset_done(wr, off, seq);
}

int
obp_coldef_write(struct obp_wr *wr, uint8_t seq, const struct obp_coldef *c,
                 bool ext_meta)
{
    size_t off = obp_wr_pkt_begin(wr);
    size_t n = strlen(c->name);

    obp_wr_lenenc_str(wr, "def", 3);
    obp_wr_lenenc_str(wr, "", 0);          /* schema */
    obp_wr_lenenc_str(wr, "", 0);          /* table */
    obp_wr_lenenc_str(wr, "", 0);          /* org_table */
    obp_wr_lenenc_str(wr, c->name, n);
    obp_wr_lenenc_str(wr, c->name, n);     /* org_name */
    if (ext_meta)
        obp_wr_lenenc_str(wr, "", 0);      /* no type name or format */
    obp_wr_lenenc(wr, COLDEF_FIXED_LEN);
    obp_wr_u16(wr, c->charset);
    obp_wr_u32(wr, c->length);
    obp_wr_u8(wr, c->type);
    obp_wr_u16(wr, c->flags);
    obp_wr_u8(wr, c->decimals);
    obp_wr_zero(wr, 2);
    return rset_done(wr, off, seq);
}

int
obp_text_row_write(struct obp_wr *wr, uint8_t seq, unsigned n,
                   const char *const *val, const size_t *len)
{
    size_t off = obp_wr_pkt_begin(wr);

    for (unsigned i = 0; i < n; i++) {
        if (val[i] == NULL)
            obp_wr_u8(wr, 0xfb);        /* SQL NULL */
        else
            obp_wr_lenenc_str(wr, val[i], len[i]);
    }
    return rset_done(wr, off, seq);
}

int
obp_rset_end_write(struct obp_wr *wr, uint8_t seq, uint16_t status,
                   uint32_t caps)
{
    size_t off;

    if (!(caps & OBP_CLIENT_DEPRECATE_EOF))
        return obp_eof_write(wr, seq, 0, status);
    /* an OK packet led by 0xfe, which an old EOF reader also stops at */
    off = obp_wr_pkt_begin(wr);
    obp_wr_u8(wr, OBP_PKT_EOF);
    obp_wr_lenenc(wr, 0);
    obp_wr_lenenc(wr, 0);
    obp_wr_u16(wr, status);
    obp_wr_u16(wr, 0);
    return rset_done(wr, off, seq);
}
