/*
 * What a conn's bytes go through between its buffers and its socket:
 * TLS (OpenSSL, either role) and above it one framing, each optional:
 * the MySQL compressed protocol (zlib) or OceanBase 2.0 (xob20.c).  A conn without either has no
 * xport and conn.c reads and writes its socket directly.
 *
 * The conn's buffers always hold plain MySQL packets, so the framers
 * never know.  Reading fills c->in with what was decrypted and unpacked;
 * writing takes the plain bytes conn.c would have written and keeps
 * what it could not send yet (a compressed packet half written) in the
 * xport, counted by obp_xport_pending().
 *
 * Switching on happens between packets: the bytes the conn still has
 * pending at that moment (the SSL request, the login OK) go out as they
 * were meant to, before the new layer starts.  Input already read past
 * the switch (a ClientHello behind the SSL request) is handed to TLS.
 *
 * Compressed sequence numbers follow MySQL: a packet that starts a
 * command (inner sequence 0) is numbered 0, every other one follows the
 * last compressed packet read.
 */
#ifndef OBP_WORKER_XPORT_H
#define OBP_WORKER_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <openssl/ssl.h>
#include <zlib.h>

#include "transport.h"
#include "ob20.h"

struct obp_conf;
struct obp_sessinfo_peer;
struct obp_conn;
struct obp_iobuf;

/* A worker's transport settings, built from its configuration. */
struct obp_xport_ctx {
    SSL_CTX             *tls_srv;   /* serving clients, or NULL: no TLS */
    SSL_CTX             *tls_cli;   /* to servers, or NULL: no TLS */
    bool                 offer_tls; /* the handshake offers TLS: a
                                       context, and enable_client_ssl on
                                       (not DISABLE_FORCE) or on in a
                                       tenant's row (level_tls.h) */
    int                  zlevel;    /* compression_algorithm */
    z_stream            *zdef;      /* one deflate stream for all conns */
    int                  zdef_level;
};

/*
 * Builds the contexts <conf> asks for; on a failure (logged) the side
 * concerned runs without TLS.  Replaces what <x> held.
 */
void obp_xport_ctx_apply(struct obp_xport_ctx *x, const struct obp_conf *conf,
                         int slot);

/* Whether server connections made under <a> differ from those of <b>. */
bool obp_xport_ctx_server_changed(const struct obp_conf *a,
                                  const struct obp_conf *b);

/* Frees what <x> holds. */
void obp_xport_ctx_free(struct obp_xport_ctx *x);

struct obp_xport {
    SSL              *ssl;          /* NULL: no TLS */
    BIO              *rbio;         /* ciphertext read, owned by ssl */
    size_t            plain_left;   /* pending bytes that skip TLS */
    size_t            clear_left;   /* pending bytes that skip packing */
    struct obp_iobuf *raw;          /* compressed packets read */
    struct obp_iobuf *wire;         /* compressed packets to write */
    z_stream         *inf;          /* inflate state, once needed */
    uint32_t          zin_left;     /* bytes of the packet being read */
    uint32_t          zout_left;    /* bytes it still has to give */
    uint32_t          inner_left;   /* of the inner packet being packed */
    uint8_t           hdr[4];       /* its header, as far as seen */
    uint8_t           hdr_have;
    uint8_t           seq;          /* next compressed sequence number */
    struct obp_ob20_order order;    /* OceanBase 2.0: frames' order */
    uint8_t          *frame;        /* an OB 2.0 frame beyond a buffer */
    size_t            frame_len;    /* its length, bytes read of it, */
    size_t            frame_have;
    size_t            frame_cap;    /* and room for them so far */
    const uint8_t    *give;         /* checked MySQL bytes to hand up */
    size_t            give_left;
    size_t            give_end;     /* raw->done once they are given */
    uint8_t          *zbuf;         /* an OB 2.0 zlib frame inflated */
    uint32_t          ask_flags;    /* OB 2.0 flags of frames asked */
    uint8_t           ob20_zlevel;  /* a server's zlib variant: level */
    struct obp_sessinfo_peer *peer; /* a server leg that syncs session
                                       info (sessinfo.h), or NULL */
    unsigned          zip:1;        /* compressed protocol on */
    unsigned          ob20:1;       /* OceanBase 2.0 framing on */
    unsigned          ob20_ask:1;   /* and the proxy asks (a server's) */
    unsigned          ob20_bad:1;   /* a frame was refused: reads fail */
    unsigned          new_extra:1;  /* the server reads new extra info */
    unsigned          req_start:1;  /* the frame packed starts a request */
    unsigned          more:1;       /* plain bytes may wait in user space */
    unsigned          stored:1;     /* the packet being read is stored */
    unsigned          rd_wants_wr:1; /* TLS must write before reading */
    unsigned          wr_wants_rd:1; /* TLS must read before writing */
};

/*
 * Starts TLS on <c> as the server (<server> true: a client asked with
 * an SSL request) or as the client.  Unparsed bytes of c->in go to TLS.
 * OBP_ERROR when out of memory.
 */
int obp_xport_tls(struct obp_conn *c, SSL_CTX *ctx, bool server);

/* Starts the compressed protocol on <c>.  OBP_ERROR: out of memory. */
int obp_xport_zip(struct obp_conn *c);

/*
 * Starts OceanBase 2.0 framing on <c> for connection <conn_id> (the id
 * its handshake announced, which every frame carries): a client's leg,
 * or with <ask> a server's, where the proxy's commands start requests.
 * OBP_ERROR: out of memory.
 */
int obp_xport_ob20(struct obp_conn *c, uint32_t conn_id, bool ask);

/*
 * Reads up to <cap> plain bytes into <dst>: > 0 bytes, 0 at end of
 * file, -1 with errno (EAGAIN: nothing yet; EPROTO: bad TLS or packing).
 */
ssize_t obp_xport_read(struct obp_conn *c, uint8_t *dst, size_t cap);

/*
 * Takes plain bytes from <iov>: how many it took (sent or kept), or -1
 * with errno.  Taking less than offered means the socket is full.
 */
ssize_t obp_xport_write(struct obp_conn *c, const struct iovec *iov,
                        int n);

/* Bytes taken but not yet on the socket. */
size_t obp_xport_pending(const struct obp_xport *x);

/* Whether plain bytes can come without the socket being readable. */
bool obp_xport_buffered(const struct obp_xport *x);

/* Frees <x> and what it holds; NULL is fine. */
void obp_xport_free(struct obp_conn *c);

/* "TLSv1.3" or NULL, for log lines. */
const char *obp_xport_tls_version(const struct obp_xport *x);

/* Between xport.c and xzip.c: the socket, through TLS when it is on. */
ssize_t obp_xport_lower_read(struct obp_conn *c, uint8_t *dst, size_t cap);
ssize_t obp_xport_lower_write(struct obp_conn *c, const uint8_t *p,
                              size_t len);

/*
 * xzip.c: unpacks into <dst> (as obp_xport_read), packs one packet of
 * <p> (bytes taken, or -1), sends what is packed (OBP_OK once nothing
 * is left, OBP_AGAIN, OBP_ERROR with errno), frees its part.
 */
ssize_t obp_xzip_read(struct obp_conn *c, uint8_t *dst, size_t cap);
ssize_t obp_xzip_pack(struct obp_conn *c, const uint8_t *p, size_t len);
int obp_xzip_flush(struct obp_conn *c);
/*
 * Reads more framed bytes into x->raw (as read(2) returns); gives an
 * empty x->raw back to the pool, so that idle sessions hold none.
 */
ssize_t obp_xzip_fill(struct obp_conn *c);
void obp_xzip_trim(struct obp_conn *c);
/* Follows the MySQL packet headers over <k> plain bytes being packed. */
void obp_xzip_track(struct obp_xport *x, const uint8_t *p, size_t k);
void obp_xzip_free(struct obp_conn *c);

/*
 * xob20.c, the same for OceanBase 2.0 frames: a frame is read whole and
 * checked before any of its bytes are handed up; a bad one fails the
 * read with EPROTO and a log line.  Writing frames at most one buffer of
 * plain bytes.  Toward a client OB_IS_LAST_PACKET marks the frame that
 * ends a response: it empties what was offered, at a MySQL packet
 * boundary, and the response is over (c->resp_open clear).  Toward a
 * server a MySQL packet of sequence 0 starts a request: a new request
 * id, frames numbered from 0, the answer's frames checked against them.
 * With x->ob20_zlevel (a server that granted OB_PROTOCOL_V2_COMPRESS)
 * frames go both ways in the zlib variant (shared/ob20.h), each inflated
 * into x->zbuf, its length checked, before the usual checks.
 */
ssize_t obp_xob20_read(struct obp_conn *c, uint8_t *dst, size_t cap);
ssize_t obp_xob20_pack(struct obp_conn *c, const uint8_t *p, size_t len,
                       bool last);
void obp_xob20_free(struct obp_conn *c);

#endif
