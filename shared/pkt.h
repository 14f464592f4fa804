/*
 * MySQL packet codec.  A packet is a 4-byte header (length:24 little
 * endian, sequence:8) and up to 0xffffff payload bytes.  Readers never
 * read past the payload they are given; writers take a caller's buffer
 * and its capacity and never write past it.
 */
#ifndef OBP_SHARED_PKT_H
#define OBP_SHARED_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mysql.h"

#define OBP_PKT_HDR_LEN      4
#define OBP_PKT_MAX_PAYLOAD  0xffffffu

/* MySQL error codes the proxy sends itself. */
#define OBP_ER_CON_COUNT_ERROR   1040    /* Too many connections */
/* ER_CONNECT_TO_FOREIGN_DATA_SOURCE: client libraries turn a server-sent
 * code in the client range (2000-2999) into "malformed packet". */
#define OBP_ER_CONNECT_TO_SERVER 1429

static inline uint32_t
obp_pkt_payload_len(const uint8_t *hdr)
{
    return (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16;
}

static inline void
obp_pkt_put_hdr(uint8_t *hdr, uint32_t len, uint8_t seq)
{
    hdr[0] = (uint8_t)len;
    hdr[1] = (uint8_t)(len >> 8);
    hdr[2] = (uint8_t)(len >> 16);
    hdr[3] = seq;
}

/*
 * Writes an ERR packet (0xff, code, '#', 5-byte SQL state, message) with
 * sequence <seq>; the message is cut to fit.  Returns the bytes written,
 * or 0 when <cap> cannot hold even an empty message.
 */
size_t obp_pkt_err(uint8_t *buf, size_t cap, uint8_t seq, uint16_t code,
                   const char *sqlstate, const char *msg);

/*
 * A bounded reader over one payload.  Every getter checks what is left;
 * after the first short read <err> stays set and every getter returns 0
 * or NULL, so a parser can read a whole packet and test err once.
 */
struct obp_rd {
    const uint8_t *p;       /* next byte */
    const uint8_t *end;     /* one past the payload */
    int            err;     /* set by the first read past the end */
};

void obp_rd_init(struct obp_rd *rd, const uint8_t *buf, size_t len);
size_t obp_rd_left(const struct obp_rd *rd);
uint8_t obp_rd_u8(struct obp_rd *rd);
uint16_t obp_rd_u16(struct obp_rd *rd);
uint32_t obp_rd_u24(struct obp_rd *rd);
uint32_t obp_rd_u32(struct obp_rd *rd);
uint64_t obp_rd_u64(struct obp_rd *rd);
/* Length-encoded integer; <is_null> (may be NULL) is set for 0xfb. */
uint64_t obp_rd_lenenc(struct obp_rd *rd, bool *is_null);
const uint8_t *obp_rd_bytes(struct obp_rd *rd, size_t n);
/* Up to a NUL, which is consumed; a missing NUL is an error. */
const char *obp_rd_nulstr(struct obp_rd *rd, size_t *len);
const uint8_t *obp_rd_lenenc_str(struct obp_rd *rd, size_t *len);
/* Everything left (possibly nothing). */
const uint8_t *obp_rd_rest(struct obp_rd *rd, size_t *len);

/*
 * A bounded writer into a caller's buffer.  A put that does not fit sets
 * <err> and writes nothing more; the caller tests err once at the end.
 */
struct obp_wr {
    uint8_t *buf;
    size_t   cap;
    size_t   len;
    int      err;
};

void obp_wr_init(struct obp_wr *wr, uint8_t *buf, size_t cap);
void obp_wr_u8(struct obp_wr *wr, uint8_t v);
void obp_wr_u16(struct obp_wr *wr, uint16_t v);
void obp_wr_u24(struct obp_wr *wr, uint32_t v);
void obp_wr_u32(struct obp_wr *wr, uint32_t v);
void obp_wr_u64(struct obp_wr *wr, uint64_t v);
void obp_wr_lenenc(struct obp_wr *wr, uint64_t v);
void obp_wr_bytes(struct obp_wr *wr, const void *p, size_t n);
void obp_wr_zero(struct obp_wr *wr, size_t n);
void obp_wr_nulstr(struct obp_wr *wr, const char *s, size_t n);
void obp_wr_lenenc_str(struct obp_wr *wr, const void *p, size_t n);

/*
 * Packet framing on a writer: begin reserves a header and returns its
 * offset; end fills in the payload length and <seq> (an error when the
 * payload exceeds OBP_PKT_MAX_PAYLOAD).
 */
size_t obp_wr_pkt_begin(struct obp_wr *wr);
void obp_wr_pkt_end(struct obp_wr *wr, size_t hdr_off, uint8_t seq);

/* Initial handshake (protocol 10), server -> client. */
struct obp_handshake {
    uint8_t  protocol;                  /* 10 */
    char     version[64];               /* NUL-terminated */
    uint32_t conn_id;
    uint8_t  scramble[OBP_SCRAMBLE_LEN];
    size_t   scramble_len;              /* 20 for mysql_native_password */
    uint32_t caps;
    uint32_t ext_caps;                  /* MariaDB's, without LONG_PASSWORD */
    uint8_t  charset;
    uint16_t status;
    char     plugin[64];                /* "" when not sent */
};

int obp_handshake_parse(struct obp_handshake *hs, const uint8_t *payload,
                        size_t len);
/* Writes a whole packet (header included) into <wr>. */
int obp_handshake_write(struct obp_wr *wr, uint8_t seq,
                        const struct obp_handshake *hs);

/*
 * Handshake response (protocol 4.1), client -> server.  Pointers point
 * into the parsed payload; absent fields are NULL with length 0.
 */
struct obp_hs_response {
    uint32_t       caps;
    uint32_t       ext_caps;            /* MariaDB's, without LONG_PASSWORD */
    uint32_t       max_packet;
    uint8_t        charset;
    bool           ssl_request;         /* only the fixed part: switch to TLS */
    const char    *user;
    size_t         user_len;
    const uint8_t *auth;
    size_t         auth_len;
    const char    *db;
    size_t         db_len;
    const char    *plugin;
    size_t         plugin_len;
    const uint8_t *attrs;               /* the raw key/value block */
    size_t         attrs_len;
};

int obp_hs_response_parse(struct obp_hs_response *r, const uint8_t *payload,
                          size_t len);
int obp_hs_response_write(struct obp_wr *wr, uint8_t seq,
                          const struct obp_hs_response *r);

/* OK packet (0x00, or 0xfe ending a result set with DEPRECATE_EOF). */
struct obp_ok {
    uint64_t       affected_rows;
    uint64_t       last_insert_id;
    uint16_t       status;
    uint16_t       warnings;
    const uint8_t *info;
    size_t         info_len;
    const uint8_t *track;               /* session-track block, or NULL */
    size_t         track_len;
};

int obp_ok_parse(struct obp_ok *ok, const uint8_t *payload, size_t len,
                 uint32_t caps);
int obp_ok_write(struct obp_wr *wr, uint8_t seq, const struct obp_ok *ok,
                 uint32_t caps);

struct obp_err {
    uint16_t    code;
    char        sqlstate[6];            /* "HY000" when the packet has none */
    const char *msg;
    size_t      msg_len;
};

int obp_err_parse(struct obp_err *e, const uint8_t *payload, size_t len);

/* A classic EOF packet: 0xfe and fewer than 9 bytes. */
bool obp_is_eof(const uint8_t *payload, size_t len);
int obp_eof_parse(const uint8_t *payload, size_t len, uint16_t *warnings,
                  uint16_t *status);
int obp_eof_write(struct obp_wr *wr, uint8_t seq, uint16_t warnings,
                  uint16_t status);

/*
 * A text result set row of <ncols> values: val[i] points into <payload>
 * (NULL for SQL NULL, with vlen[i] 0).  OBP_ERROR when malformed.
 */
int obp_text_row_parse(const uint8_t *payload, size_t len, unsigned ncols,
                       const uint8_t **val, size_t *vlen);

/* A column of a result set the proxy writes itself. */
struct obp_coldef {
    const char *name;
    uint8_t     type;                   /* OBP_TYPE_* */
    uint16_t    charset;                /* collation id of the values */
    uint32_t    length;                 /* display width */
    uint16_t    flags;                  /* OBP_FLAG_* */
    uint8_t     decimals;
};

/*
 * A text result set: the column count, the definitions (<ext_meta>: the
 * client agreed to MariaDB's extended metadata), an EOF unless
 * DEPRECATE_EOF, rows of <n> values (val[i] NULL for SQL NULL), and the
 * end of the rows: an EOF, or with DEPRECATE_EOF in <caps> an OK led by
 * 0xfe.  Each writes a whole packet.
 */
int obp_rset_count_write(struct obp_wr *wr, uint8_t seq, uint64_t ncols);
int obp_coldef_write(struct obp_wr *wr, uint8_t seq,
                     const struct obp_coldef *c, bool ext_meta);
int obp_text_row_write(struct obp_wr *wr, uint8_t seq, unsigned n,
                       const char *const *val, const size_t *len);
int obp_rset_end_write(struct obp_wr *wr, uint8_t seq, uint16_t status,
                       uint32_t caps);

/* Auth switch request: 0xfe, plugin name NUL, plugin data. */
int obp_auth_switch_write(struct obp_wr *wr, uint8_t seq, const char *plugin,
                          const uint8_t *data, size_t len);
int obp_auth_switch_parse(const uint8_t *payload, size_t len,
                          const char **plugin, size_t *plugin_len,
                          const uint8_t **data, size_t *data_len);

/* One entry of an OK packet's session-track block. */
struct obp_track_item {
    uint8_t        type;                /* OBP_SESSION_TRACK_* */
    const uint8_t *data;
    size_t         len;
};

/* OBP_OK with the next item, OBP_DONE at the end, OBP_ERROR if malformed. */
int obp_track_next(struct obp_rd *rd, struct obp_track_item *it);
/* A SYSTEM_VARIABLES item: its name and value. */
int obp_track_sysvar(const struct obp_track_item *it, const uint8_t **name,
                     size_t *name_len, const uint8_t **value,
                     size_t *value_len);
/* A SCHEMA item: the new current database. */
int obp_track_schema(const struct obp_track_item *it, const uint8_t **db,
                     size_t *db_len);
/* A GTIDS item (MySQL's session_track_gtids): the GTID set's text. */
int obp_track_gtids(const struct obp_track_item *it, const uint8_t **gtids,
                    size_t *len);

#endif
