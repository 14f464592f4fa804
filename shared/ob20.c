/*
 * The OceanBase 2.0 frame (ob20.h): header, checksums, lengths and the
 * order of request ids and sequences.  Extra info and the zlib variant
 * are in ob20_extra.c.
 */
#include "obp.h"

#include <string.h>

#include "crc.h"
#include "ob20.h"
#include "ob20_int.h"

static const char *const ob20_fault_texts[] = {
    [OBP_OB20_OK] = "no fault",
    [OBP_OB20_BAD_HDR_CRC] = "header checksum mismatch",
    [OBP_OB20_BAD_MAGIC] = "wrong magic number",
    [OBP_OB20_BAD_VERSION] = "wrong version",
    [OBP_OB20_BAD_LENGTH] = "lengths disagree",
    [OBP_OB20_TOO_LONG] = "payload length beyond the limit",
    [OBP_OB20_BAD_CRC] = "payload checksum mismatch",
    [OBP_OB20_BAD_EXTRA] = "extra info does not parse",
    [OBP_OB20_BAD_CONN] = "another connection's id",
    [OBP_OB20_BAD_REQUEST] = "request id out of turn",
    [OBP_OB20_BAD_SEQ] = "packet sequence out of turn",
    [OBP_OB20_BAD_ZIP] = "compressed frame does not inflate",
    [OBP_OB20_BAD_ZLEN] = "compressed frame inflates to another length",
};

const char *
obp_ob20_fault_text(enum obp_ob20_fault f)
{
    if ((size_t)f >= sizeof(ob20_fault_texts)
                     / sizeof(ob20_fault_texts[0]))
        return "unknown fault";
    return ob20_fault_texts[f];
}

int
obp_ob20_frame_total(const uint8_t *p, size_t len, size_t *total)
{
    if (len < OBP_OB20_COMP_HDR_LEN)
        return OBP_AGAIN;
    *total = OBP_OB20_COMP_HDR_LEN + obp_pkt_payload_len(p);
    return OBP_OK;
}

/* Reads the 24-byte OB 2.0 header at <p> into <h>. */
static void
ob20_read_hdr(const uint8_t *p, struct obp_ob20_hdr *h)
{
    struct obp_rd rd;

    obp_rd_init(&rd, p, OBP_OB20_HDR_LEN);
    h->magic = obp_rd_u16(&rd);
    h->version = obp_rd_u16(&rd);
    h->conn_id = obp_rd_u32(&rd);
    h->req_id = obp_rd_u24(&rd);
    h->seq = obp_rd_u8(&rd);
    h->payload_len = obp_rd_u32(&rd);
    h->flags = obp_rd_u32(&rd);
    h->reserved = obp_rd_u16(&rd);
    h->checksum = obp_rd_u16(&rd);
}

/*
 * Checks the header at <p> (<crc_from>: where the checksum starts, the
 * compressed header or the OB 2.0 one) against <max_payload>.
 */
static enum obp_ob20_fault
ob20_check_hdr(const uint8_t *crc_from, const uint8_t *p, uint32_t max_payload,
          struct obp_ob20_hdr *h)
{
    size_t covered = (size_t)(p - crc_from) + OBP_OB20_HDR_LEN - 2;

    ob20_read_hdr(p, h);
    if (h->checksum != 0 && obp_crc16(0, crc_from, covered) != h->checksum)
        return OBP_OB20_BAD_HDR_CRC;
    if (h->magic != OBP_OB20_MAGIC)
        return OBP_OB20_BAD_MAGIC;
    if (h->version != OBP_OB20_VERSION)
        return OBP_OB20_BAD_VERSION;
    if (h->payload_len > max_payload || h->payload_len > OBP_OB20_MAX_PAYLOAD)
        return OBP_OB20_TOO_LONG;
    return OBP_OB20_OK;
}

/* Checks the payload of a whole frame and finds its parts. */
static enum obp_ob20_fault
ob20_check_payload(const uint8_t *pay, struct obp_ob20_frame *f)
{
    const struct obp_ob20_hdr *h = &f->hdr;
    struct obp_rd              rd;
    uint32_t                   tail, extra_len;

    obp_rd_init(&rd, pay + h->payload_len, OBP_OB20_TAIL_LEN);
    tail = obp_rd_u32(&rd);
    if (tail != 0 && obp_crc32c(0, pay, h->payload_len) != tail)
        return OBP_OB20_BAD_CRC;
    f->mysql = pay;
    f->mysql_len = h->payload_len;
    if (!(h->flags & OBP_OB20_EXTRA_INFO_EXIST))
        return OBP_OB20_OK;
    obp_rd_init(&rd, pay, h->payload_len);
    extra_len = obp_rd_u32(&rd);
    if (rd.err || extra_len > obp_rd_left(&rd))
        return OBP_OB20_BAD_EXTRA;
    f->extra = pay + OBP_OB20_EXTRA_LEN;
    f->extra_len = extra_len;
    f->mysql = f->extra + extra_len;
    f->mysql_len = h->payload_len - OBP_OB20_EXTRA_LEN - extra_len;
    return OBP_OB20_OK;
}

static int
ob20_verdict(struct obp_ob20_frame *f, enum obp_ob20_fault fault)
{
    f->fault = fault;
    return fault == OBP_OB20_OK ? OBP_OK : OBP_ERROR;
}

int
obp_ob20_frame_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                     struct obp_ob20_frame *f)
{
    struct obp_ob20_hdr *h = &f->hdr;
    enum obp_ob20_fault  fault;
    struct obp_rd        rd;

    memset(f, 0, sizeof(*f));
    if (len < OBP_OB20_FRAME_HDR)
        return OBP_AGAIN;
    obp_rd_init(&rd, p, OBP_OB20_COMP_HDR_LEN);
    h->comp_len = obp_rd_u24(&rd);
    h->comp_seq = obp_rd_u8(&rd);
    h->uncomp_len = obp_rd_u24(&rd);
    fault = ob20_check_hdr(p, p + OBP_OB20_COMP_HDR_LEN, max_payload, h);
    if (fault != OBP_OB20_OK)
        return ob20_verdict(f, fault);
    if (h->uncomp_len != 0 || (uint64_t)h->comp_len != (uint64_t)
        h->payload_len + OBP_OB20_HDR_LEN + OBP_OB20_TAIL_LEN)
        return ob20_verdict(f, OBP_OB20_BAD_LENGTH);
    f->frame_len = OBP_OB20_COMP_HDR_LEN + (size_t)h->comp_len;
    if (len < f->frame_len)
        return OBP_AGAIN;
    return ob20_verdict(f, ob20_check_payload(p + OBP_OB20_FRAME_HDR, f));
}

/* Writes the 24-byte header at <p>; the checksum from <crc_from>. */
static void
ob20_write_hdr(uint8_t *crc_from, uint8_t *p, const struct obp_ob20_hdr *h,
          uint32_t payload_len, uint32_t flags)
{
    struct obp_wr wr;
    size_t        covered = (size_t)(p - crc_from) + OBP_OB20_HDR_LEN - 2;

    obp_wr_init(&wr, p, OBP_OB20_HDR_LEN);
    obp_wr_u16(&wr, OBP_OB20_MAGIC);
    obp_wr_u16(&wr, OBP_OB20_VERSION);
    obp_wr_u32(&wr, h->conn_id);
    obp_wr_u24(&wr, h->req_id & 0xffffffu);
    obp_wr_u8(&wr, h->seq);
    obp_wr_u32(&wr, payload_len);
    obp_wr_u32(&wr, flags);
    obp_wr_u16(&wr, 0);
    obp_wr_u16(&wr, obp_crc16(0, crc_from, covered));
}

/* Header, payload and tail at <out> (no compressed header): the length. */
static size_t
ob20_build_body(uint8_t *crc_from, uint8_t *out, size_t room,
           const struct obp_ob20_hdr *h, const uint8_t *extra,
           size_t extra_len, const uint8_t *mysql, size_t mysql_len)
{
    size_t   pay = mysql_len + (extra != NULL ? OBP_OB20_EXTRA_LEN
                                                + extra_len : 0);
    uint8_t *q = out + OBP_OB20_HDR_LEN;
    uint32_t flags = h->flags & ~OBP_OB20_EXTRA_INFO_EXIST;
    uint32_t crc;

    if (pay > OBP_OB20_MAX_PAYLOAD
        || room < OBP_OB20_HDR_LEN + pay + OBP_OB20_TAIL_LEN)
        return 0;
    if (extra != NULL) {
        flags |= OBP_OB20_EXTRA_INFO_EXIST;
        q[0] = (uint8_t)extra_len;
        q[1] = (uint8_t)(extra_len >> 8);
        q[2] = (uint8_t)(extra_len >> 16);
        q[3] = (uint8_t)(extra_len >> 24);
        memcpy(q + OBP_OB20_EXTRA_LEN, extra, extra_len);
        q += OBP_OB20_EXTRA_LEN + extra_len;
    }
    memcpy(q, mysql, mysql_len);
    crc = obp_crc32c(0, out + OBP_OB20_HDR_LEN, pay);
    q = out + OBP_OB20_HDR_LEN + pay;
    q[0] = (uint8_t)crc;
    q[1] = (uint8_t)(crc >> 8);
    q[2] = (uint8_t)(crc >> 16);
    q[3] = (uint8_t)(crc >> 24);
    ob20_write_hdr(crc_from, out, h, (uint32_t)pay, flags);
    return OBP_OB20_HDR_LEN + pay + OBP_OB20_TAIL_LEN;
}

size_t
obp_ob20_frame_build(uint8_t *out, size_t room, const struct obp_ob20_hdr *h,
                     const uint8_t *extra, size_t extra_len,
                     const uint8_t *mysql, size_t mysql_len)
{
    size_t body;

    if (room < OBP_OB20_COMP_HDR_LEN)
        return 0;
    /* the compressed header first: the header checksum covers it */
    body = OBP_OB20_HDR_LEN + mysql_len + OBP_OB20_TAIL_LEN
           + (extra != NULL ? OBP_OB20_EXTRA_LEN + extra_len : 0);
    if (body > 0xffffffu)
        return 0;
    obp_pkt_put_hdr(out, (uint32_t)body, h->seq);
    memset(out + 4, 0, 3);
    body = ob20_build_body(out, out + OBP_OB20_COMP_HDR_LEN,
                      room - OBP_OB20_COMP_HDR_LEN, h, extra, extra_len,
                      mysql, mysql_len);
    return body > 0 ? OBP_OB20_COMP_HDR_LEN + body : 0;
}

size_t
obp_ob20_body_build(uint8_t *out, size_t room, const struct obp_ob20_hdr *h,
                    const uint8_t *extra, size_t extra_len,
                    const uint8_t *mysql, size_t mysql_len)
{
    return ob20_build_body(out, out, room, h, extra, extra_len, mysql,
                      mysql_len);
}

int
obp_ob20_body_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                    struct obp_ob20_frame *f)
{
    enum obp_ob20_fault fault;

    if (len < OBP_OB20_HDR_LEN)
        return ob20_verdict(f, OBP_OB20_BAD_LENGTH);
    fault = ob20_check_hdr(p, p, max_payload, &f->hdr);
    if (fault != OBP_OB20_OK)
        return ob20_verdict(f, fault);
    if ((uint64_t)len != (uint64_t)f->hdr.payload_len + OBP_OB20_HDR_LEN
                         + OBP_OB20_TAIL_LEN)
        return ob20_verdict(f, OBP_OB20_BAD_LENGTH);
    return ob20_verdict(f, ob20_check_payload(p + OBP_OB20_HDR_LEN, f));
}

enum obp_ob20_fault
obp_ob20_order_in(struct obp_ob20_order *o, const struct obp_ob20_hdr *h,
                  bool from_client)
{
    bool fresh = from_client && (!o->started || h->req_id != o->req_id);

    if (h->conn_id != o->conn_id)
        return OBP_OB20_BAD_CONN;
    if (!from_client && (!o->started || h->req_id != o->req_id))
        return OBP_OB20_BAD_REQUEST;
    if (h->seq != (fresh ? 0 : o->seq))
        return OBP_OB20_BAD_SEQ;
    o->started = true;
    o->req_id = h->req_id;
    o->seq = (uint8_t)(h->seq + 1);
    return OBP_OB20_OK;
}

void
obp_ob20_order_out(struct obp_ob20_order *o, struct obp_ob20_hdr *h)
{
    h->conn_id = o->conn_id;
    h->req_id = o->req_id;
    h->seq = o->seq;
    o->seq = (uint8_t)(o->seq + 1);
}
