/*
 * The OceanBase 2.0 frame's extra info in both formats, and the zlib
 * variant of the frame (ob20.h).
 */
#include "obp.h"

#include <string.h>
#include <zlib.h>

#include "ob20_int.h"

#define OBJ_VARCHAR   22        /* ObVarcharType */
#define OBJ_META_LEN  4         /* type, collation level and type, scale */
#define OBJ_CS_LEVEL  2         /* CS_LEVEL_IMPLICIT */
#define OBJ_CS_BINARY 63        /* CS_TYPE_BINARY */
#define VARINT_MAX    10        /* bytes of a 64-bit varint */
#define NEW_ITEM_HDR  6         /* type:2, length:4 */

/* OceanBase's varint: 7 bits a byte, lowest first, high bit = more. */
static int
ob20_read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    unsigned shift;
    uint8_t  b;

    *v = 0;
    for (shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
        if (*pos >= len)
            return OBP_ERROR;
        b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7fu) << shift;
        if (!(b & 0x80u))
            return OBP_OK;
    }
    return OBP_ERROR;
}

/* One varchar object (meta, varint length, bytes, NUL) at *pos. */
static int
ob20_read_varchar(const uint8_t *p, size_t len, size_t *pos, const uint8_t **s,
             size_t *slen)
{
    uint64_t n;

    if (len - *pos < OBJ_META_LEN || p[*pos] != OBJ_VARCHAR)
        return OBP_ERROR;
    *pos += OBJ_META_LEN;
    if (ob20_read_varint(p, len, pos, &n) != OBP_OK || n >= len - *pos
        || p[*pos + n] != '\0')
        return OBP_ERROR;
    *s = p + *pos;
    *slen = (size_t)n;
    *pos += (size_t)n + 1;
    return OBP_OK;
}

int
obp_ob20_extra_next(const uint8_t *p, size_t len, bool new_format,
                    size_t *pos, struct obp_ob20_item *it)
{
    struct obp_rd rd;
    uint32_t      vlen;

    memset(it, 0, sizeof(*it));
    if (*pos >= len)
        return OBP_DONE;
    if (!new_format) {
        if (ob20_read_varchar(p, len, pos, &it->key, &it->key_len) != OBP_OK
            || ob20_read_varchar(p, len, pos, &it->val, &it->val_len) != OBP_OK)
            return OBP_ERROR;
        return OBP_OK;
    }
    obp_rd_init(&rd, p + *pos, len - *pos);
    it->type = obp_rd_u16(&rd);
    vlen = obp_rd_u32(&rd);
    if (rd.err || vlen > obp_rd_left(&rd))
        return OBP_ERROR;
    it->val = p + *pos + NEW_ITEM_HDR;
    it->val_len = vlen;
    *pos += NEW_ITEM_HDR + (size_t)vlen;
    return OBP_OK;
}

size_t
obp_ob20_extra_put_new(uint8_t *out, size_t room, uint16_t type,
                       const void *val, size_t val_len)
{
    struct obp_wr wr;

    if (val_len > UINT32_MAX)
        return 0;
    obp_wr_init(&wr, out, room);
    obp_wr_u16(&wr, type);
    obp_wr_u32(&wr, (uint32_t)val_len);
    obp_wr_bytes(&wr, val, val_len);
    return wr.err ? 0 : wr.len;
}

static void
ob20_put_varchar(struct obp_wr *wr, const void *s, size_t n)
{
    uint64_t v = n;

    obp_wr_u8(wr, OBJ_VARCHAR);
    obp_wr_u8(wr, OBJ_CS_LEVEL);
    obp_wr_u8(wr, OBJ_CS_BINARY);
    obp_wr_u8(wr, 0);
    while (v >= 0x80u) {
        obp_wr_u8(wr, (uint8_t)(v | 0x80u));
        v >>= 7;
    }
    obp_wr_u8(wr, (uint8_t)v);
    obp_wr_bytes(wr, s, n);
    obp_wr_u8(wr, 0);
}

size_t
obp_ob20_extra_put_old(uint8_t *out, size_t room, const char *key,
                       const void *val, size_t val_len)
{
    struct obp_wr wr;

    obp_wr_init(&wr, out, room);
    ob20_put_varchar(&wr, key, strlen(key));
    ob20_put_varchar(&wr, val, val_len);
    return wr.err ? 0 : wr.len;
}

/* Inflates the <clen> bytes at <z> into exactly <ulen> of <out>. */
static enum obp_ob20_fault
ob20_inflate(const uint8_t *z, uint32_t clen, uint8_t *out, uint32_t ulen)
{
    uLongf got = ulen;
    int    zrc = uncompress(out, &got, z, clen);

    if (zrc == Z_BUF_ERROR && got == ulen)
        return OBP_OB20_BAD_ZLEN;   /* more than announced, or cut short */
    if (zrc != Z_OK)
        return OBP_OB20_BAD_ZIP;
    return got == ulen ? OBP_OB20_OK : OBP_OB20_BAD_ZLEN;
}

static int
ob20_zfault(struct obp_ob20_frame *f, enum obp_ob20_fault fault)
{
    f->fault = fault;
    return OBP_ERROR;
}

int
obp_ob20_zframe_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                      uint8_t *scratch, size_t scratch_len,
                      struct obp_ob20_frame *f)
{
    uint64_t            most = (uint64_t)max_payload + OBP_OB20_HDR_LEN
                               + OBP_OB20_TAIL_LEN;
    const uint8_t      *body;
    uint32_t            clen, ulen;
    enum obp_ob20_fault fault;

    memset(f, 0, sizeof(*f));
    if (len < OBP_OB20_COMP_HDR_LEN)
        return OBP_AGAIN;
    clen = obp_pkt_payload_len(p);
    ulen = obp_pkt_payload_len(p + 4);
    f->hdr.comp_len = clen;
    f->hdr.comp_seq = p[3];
    f->hdr.uncomp_len = ulen;
    /* stored (ulen 0): the rest is the frame body as it is */
    if ((ulen != 0 ? ulen : clen) > most)
        return ob20_zfault(f, OBP_OB20_TOO_LONG);
    if ((ulen != 0 ? ulen : clen) < OBP_OB20_HDR_LEN + OBP_OB20_TAIL_LEN
        || (uint64_t)ulen > (uint64_t)clen * OBP_OB20_ZIP_RATIO)
        return ob20_zfault(f, OBP_OB20_BAD_LENGTH);
    if (len < OBP_OB20_COMP_HDR_LEN + (size_t)clen)
        return OBP_AGAIN;
    body = p + OBP_OB20_COMP_HDR_LEN;
    if (ulen != 0) {
        if (ulen > scratch_len)
            return ob20_zfault(f, OBP_OB20_BAD_LENGTH);
        fault = ob20_inflate(body, clen, scratch, ulen);
        if (fault != OBP_OB20_OK)
            return ob20_zfault(f, fault);
        body = scratch;
    }
    if (obp_ob20_body_parse(body, ulen != 0 ? ulen : clen, max_payload, f)
        != OBP_OK)
        return OBP_ERROR;
    f->hdr.comp_len = clen;
    f->hdr.comp_seq = p[3];
    f->hdr.uncomp_len = ulen;
    f->frame_len = OBP_OB20_COMP_HDR_LEN + (size_t)clen;
    return OBP_OK;
}

size_t
obp_ob20_zframe_build(uint8_t *out, size_t room, const struct obp_ob20_hdr *h,
                      const uint8_t *extra, size_t extra_len,
                      const uint8_t *mysql, size_t mysql_len, int level)
{
    uint8_t  body[OBP_OB20_HDR_LEN + OBP_OB20_ZIP_CHUNK + OBP_OB20_TAIL_LEN];
    size_t   blen;
    uLongf   zlen;
    bool     packed;

    /* a bounded stack copy: this variant is written in small frames */
    blen = obp_ob20_body_build(body, sizeof(body), h, extra, extra_len,
                               mysql, mysql_len);
    if (blen == 0 || room < OBP_OB20_COMP_HDR_LEN)
        return 0;
    zlen = room - OBP_OB20_COMP_HDR_LEN;
    packed = compress2(out + OBP_OB20_COMP_HDR_LEN, &zlen, body, blen, level)
             == Z_OK && zlen < blen;
    if (!packed) {
        if (room - OBP_OB20_COMP_HDR_LEN < blen)
            return 0;
        memcpy(out + OBP_OB20_COMP_HDR_LEN, body, blen);
        zlen = blen;
    }
    obp_pkt_put_hdr(out, (uint32_t)zlen, h->seq);
    out[4] = (uint8_t)(packed ? blen : 0);
    out[5] = (uint8_t)(packed ? blen >> 8 : 0);
    out[6] = (uint8_t)(packed ? blen >> 16 : 0);
    return OBP_OB20_COMP_HDR_LEN + zlen;
}
