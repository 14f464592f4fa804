/*
 * The OceanBase 2.0 protocol's frame (ODP-REFERENCE 10.1, all integers
 * little endian):
 *
 *    0  3  compressed length = 24 + payload length + 4
 *    3  1  compressed sequence (the same number as the packet sequence)
 *    4  3  uncompressed length = 0
 *    7  2  magic 0x20AB          9  2  version 20
 *   11  4  connection id        15  3  request id
 *   18  1  packet sequence      19  4  payload length
 *   23  4  flags                27  2  reserved = 0
 *   29  2  header checksum: CRC-16/ARC of bytes 0..28
 *   31     payload: [extra info length:4, extra info] MySQL packets
 *    …  4  tail: CRC-32C of the payload, from 0 without xor (crc.h)
 *
 * A checksum of 0 means "not computed" on both sides (the OceanBase
 * documentation's rule, which its client follows); any other value must
 * match.  The zlib variant (OB_CAP_OB_PROTOCOL_V2_COMPRESS, servers only)
 * deflates the frame from byte 7 on and wraps it in a MySQL compressed
 * header whose uncompressed length is the inflated size (or stores it
 * as it is, uncompressed length 0); the inner header checksum then
 * covers its own 22 bytes.
 *
 * Extra info comes in two formats: new (flag OB_IS_NEW_EXTRA_INFO),
 * items of type:u16 length:u32 value; old, pairs of OceanBase-serialized
 * varchar objects (4 bytes of meta with type 22, a varint length, the
 * bytes, a NUL).  Nothing here allocates; callers own every buffer.
 */
#ifndef OBP_SHARED_OB20_H
#define OBP_SHARED_OB20_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_OB20_MAGIC        0x20ABu
#define OBP_OB20_VERSION      20u
#define OBP_OB20_COMP_HDR_LEN 7     /* the MySQL compressed header */
#define OBP_OB20_HDR_LEN      24    /* the OB 2.0 header proper */
#define OBP_OB20_FRAME_HDR    (OBP_OB20_COMP_HDR_LEN + OBP_OB20_HDR_LEN)
#define OBP_OB20_TAIL_LEN     4
#define OBP_OB20_EXTRA_LEN    4     /* the extra info's length field */
/* the compressed length is 24 bits: the largest payload a frame holds */
#define OBP_OB20_MAX_PAYLOAD  (0xffffffu - OBP_OB20_HDR_LEN - OBP_OB20_TAIL_LEN)

/* Flag bits. */
#define OBP_OB20_EXTRA_INFO_EXIST  (1u << 0)
#define OBP_OB20_IS_LAST_PACKET    (1u << 1)
#define OBP_OB20_IS_PROXY_REROUTE  (1u << 2)
#define OBP_OB20_IS_NEW_EXTRA_INFO (1u << 3)
#define OBP_OB20_IS_WEAK_READ      (1u << 4)
#define OBP_OB20_TRANS_INTERNAL    (1u << 5)
#define OBP_OB20_SWITCH_ROUTE      (1u << 6)

/* New-format extra info types. */
#define OBP_OB20_FEEDBACK_PROXY_INFO 1001
#define OBP_OB20_TRACE_INFO          2001
#define OBP_OB20_SESS_INFO           2002
#define OBP_OB20_FULL_TRC            2003
#define OBP_OB20_SESS_INFO_VERI      2004

/* What is wrong with a frame; obp_ob20_fault_text() names it. */
enum obp_ob20_fault {
    OBP_OB20_OK,
    OBP_OB20_BAD_HDR_CRC,       /* header checksum mismatch */
    OBP_OB20_BAD_MAGIC,
    OBP_OB20_BAD_VERSION,
    OBP_OB20_BAD_LENGTH,        /* lengths disagree */
    OBP_OB20_TOO_LONG,          /* payload beyond the limit */
    OBP_OB20_BAD_CRC,           /* payload checksum mismatch */
    OBP_OB20_BAD_EXTRA,         /* extra info does not parse */
    OBP_OB20_BAD_CONN,          /* another connection's id */
    OBP_OB20_BAD_REQUEST,       /* a request id out of turn */
    OBP_OB20_BAD_SEQ,           /* a packet sequence out of turn */
    OBP_OB20_BAD_ZIP,           /* the zlib variant does not inflate */
    OBP_OB20_BAD_ZLEN           /* it inflates to another length */
};

const char *obp_ob20_fault_text(enum obp_ob20_fault f);

/* One frame's header fields. */
struct obp_ob20_hdr {
    uint32_t comp_len;          /* bytes after the 7-byte header */
    uint8_t  comp_seq;
    uint32_t uncomp_len;        /* 0, or the zlib variant's inflated size */
    uint16_t magic;
    uint16_t version;
    uint32_t conn_id;
    uint32_t req_id;            /* 24 bits */
    uint8_t  seq;
    uint32_t payload_len;
    uint32_t flags;
    uint16_t reserved;
    uint16_t checksum;
};

/* A parsed frame: pointers into the caller's bytes. */
struct obp_ob20_frame {
    struct obp_ob20_hdr hdr;
    const uint8_t      *extra;      /* extra info without its length */
    size_t              extra_len;
    const uint8_t      *mysql;      /* the MySQL bytes it carries */
    size_t              mysql_len;
    size_t              frame_len;  /* bytes the whole frame took */
    enum obp_ob20_fault fault;
};

/*
 * The frame's total length from its first 7 bytes (<len> of them at
 * <p>): OBP_OK with *total set, OBP_AGAIN when fewer than 7 are there.
 */
int obp_ob20_frame_total(const uint8_t *p, size_t len, size_t *total);

/*
 * Parses and checks the frame at <p> (<len> bytes available): header
 * checksum, magic, version, lengths against each other and against
 * <max_payload>, payload checksum, extra info's length.  OBP_OK,
 * OBP_AGAIN while the frame is incomplete (the header, once whole, is
 * still checked so that a bad one is refused before its payload is
 * waited for), OBP_ERROR with f->fault set.
 */
int obp_ob20_frame_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                         struct obp_ob20_frame *f);

/*
 * Writes a frame into <out> (<room> bytes): <h>'s conn_id, req_id, seq
 * and flags are used, lengths and checksums computed.  <extra> (NULL:
 * none) sets OBP_OB20_EXTRA_INFO_EXIST.  Returns the bytes written, 0
 * when they do not fit or the payload is too long.
 */
size_t obp_ob20_frame_build(uint8_t *out, size_t room,
                            const struct obp_ob20_hdr *h,
                            const uint8_t *extra, size_t extra_len,
                            const uint8_t *mysql, size_t mysql_len);

/*
 * The zlib variant: the MySQL compressed header's uncompressed length is
 * the inflated size of the rest (the 24-byte header, payload and tail),
 * or 0 when the rest is stored as it is.  <scratch> (<scratch_len>
 * bytes) receives the inflated bytes, which <f> then points into; a
 * stored frame is parsed in place.  An inflated size beyond what deflate
 * can make of the bytes that came (1032 to 1), beyond the payload limit
 * or the scratch is refused before inflating.  Return codes as
 * frame_parse.
 */
#define OBP_OB20_ZIP_CHUNK 16384
#define OBP_OB20_ZIP_RATIO 1032u
int obp_ob20_zframe_parse(const uint8_t *p, size_t len, uint32_t max_payload,
                          uint8_t *scratch, size_t scratch_len,
                          struct obp_ob20_frame *f);

/*
 * Writes a frame of the zlib variant into <out> (<room> bytes), as
 * frame_build with <extra>: deflated at <level>, or stored when that
 * does not make it smaller (or does not fit).  At most
 * OBP_OB20_ZIP_CHUNK bytes of payload (extra info with its length, and
 * MySQL bytes).  Returns the bytes written, 0 when they do not fit.
 */
size_t obp_ob20_zframe_build(uint8_t *out, size_t room,
                             const struct obp_ob20_hdr *h,
                             const uint8_t *extra, size_t extra_len,
                             const uint8_t *mysql, size_t mysql_len,
                             int level);

/*
 * Order of frames on one connection.  A request's first frame carries a
 * new request id and sequence 0; every later frame of the request, in
 * either direction, carries the same request id and the next sequence.
 */
struct obp_ob20_order {
    uint32_t conn_id;           /* both sides' frames carry it */
    uint32_t req_id;            /* the current request */
    uint8_t  seq;               /* the next frame's sequence */
    bool     started;           /* a request has been seen */
};

/* Checks a received frame against <o> and moves <o> past it. */
enum obp_ob20_fault obp_ob20_order_in(struct obp_ob20_order *o,
                                      const struct obp_ob20_hdr *h,
                                      bool from_client);

/* Fills <h>'s conn_id, req_id and seq for the next frame sent. */
void obp_ob20_order_out(struct obp_ob20_order *o, struct obp_ob20_hdr *h);

/* One item of extra info, either format. */
struct obp_ob20_item {
    uint16_t       type;            /* new format; 0 in the old one */
    const uint8_t *key;             /* old format's key, else NULL */
    size_t         key_len;
    const uint8_t *val;
    size_t         val_len;
};

/*
 * Walks extra info: *pos starts at 0.  OBP_OK with the next item,
 * OBP_DONE at the end, OBP_ERROR when an item runs past the end (or,
 * in the old format, is not a varchar object).
 */
int obp_ob20_extra_next(const uint8_t *p, size_t len, bool new_format,
                        size_t *pos, struct obp_ob20_item *it);

/* Appends one item; the bytes written, 0 when it does not fit. */
size_t obp_ob20_extra_put_new(uint8_t *out, size_t room, uint16_t type,
                              const void *val, size_t val_len);
size_t obp_ob20_extra_put_old(uint8_t *out, size_t room, const char *key,
                              const void *val, size_t val_len);

#endif
