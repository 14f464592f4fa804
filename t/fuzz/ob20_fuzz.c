/*
 * libFuzzer target for the OceanBase 2.0 frame (shared/ob20.h) and the
 * client leg's reader and writer (worker/xob20.c):
 *
 *   C  the codec over the bytes: a frame, or the zlib variant, parsed;
 *      a frame that passes has its extra info walked in both formats and
 *      is built again from its fields, which must parse to the same; each
 *      new-format item is taken as session info (sessinfo.h) by one
 *      server session and what another is then given must parse again;
 *   R  the reader over a socket, reading in steps of a chosen room as
 *      conn.c does, then the peer closes: refused or read, never a stall
 *      (session info in its frames is taken);
 *   W  plain bytes written as frames in pieces of a chosen size, as to a
 *      client or as to a server (each MySQL packet of sequence 0 a new
 *      request), and read back by a second conn as a client's: they must
 *      come back unchanged;
 *   Z  R on a server leg in the zlib variant (frames inflated, their
 *      inflated length checked);
 *   V  W in the zlib variant, as to a server, read back in it.
 *
 * The first byte picks the mode.  Checked: no read outside the input or
 * a buffer, pointers inside the frame, bounded loops, the round trips,
 * no leak.  Seeds (t/fuzz/corpus/ob20) are t/ob20_frames.txt's frames.
 */
#include "worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#define SOCKET_MAX 65536
#define CONN_ID    77

enum mode { M_CODEC, M_READ, M_WRITE, M_ZREAD, M_ZWRITE, M_COUNT };

static struct obp_worker worker;

static void
ignore_read(struct obp_conn *c)
{
}

static void
ignore_error(struct obp_conn *c, int err)
{
}

static const struct obp_conn_ops ops = { ignore_read, ignore_error, NULL };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    obp_log_set_level(OBP_LOG_ALERT);
    return 0;
}

static bool
inside(const uint8_t *p, size_t n, const uint8_t *lo, size_t len)
{
    return p == NULL || (p >= lo && p + n <= lo + len);
}

/* A value taken as session info, then given to another server session. */
static void
sessinfo(const struct obp_ob20_item *it)
{
    static uint8_t           out[OBP_SESSINFO_MAX + 64];
    struct obp_sessinfo     *store = NULL;
    struct obp_sessinfo_peer a, b;
    struct obp_ob20_item     g;
    const char              *why;
    size_t                   n, pos = 0;
    int                      ok;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.home = b.home = &store;
    ok = obp_sessinfo_check(it->val, it->val_len, &why);
    FUZZ_CHECK(obp_sessinfo_take(&a, it->val, it->val_len) == ok);
    FUZZ_CHECK(ok == OBP_OK || store == NULL);
    n = obp_sessinfo_put(&b, true, out, sizeof(out));
    FUZZ_CHECK(n == 0 || (obp_ob20_extra_next(out, n, true, &pos, &g)
                          == OBP_OK && pos == n
                          && obp_sessinfo_check(g.val, g.val_len, &why)
                             == OBP_OK));
    FUZZ_CHECK(obp_sessinfo_put(&b, true, out, sizeof(out)) == 0);
    obp_sessinfo_free(store);
}

/* A frame that passed: its extra info walked, then built again. */
static void
rebuild(const struct obp_ob20_frame *f)
{
    static uint8_t        out[OBP_IOBUF_SIZE * 4];
    struct obp_ob20_frame g;
    struct obp_ob20_item  it;
    size_t                pos, n, turns;
    int                   fmt;

    for (fmt = 0; fmt < 2; fmt++)
        for (pos = 0, turns = 0; f->extra != NULL
             && obp_ob20_extra_next(f->extra, f->extra_len, fmt, &pos, &it)
                == OBP_OK; turns++) {
            FUZZ_CHECK(turns <= f->extra_len && pos <= f->extra_len);
            FUZZ_CHECK(inside(it.val, it.val_len, f->extra, f->extra_len)
                       && inside(it.key, it.key_len, f->extra,
                                 f->extra_len));
            if (fmt)
                sessinfo(&it);
        }
    n = obp_ob20_frame_build(out, sizeof(out), &f->hdr, f->extra,
                             f->extra_len, f->mysql, f->mysql_len);
    if (n == 0)
        return;
    FUZZ_CHECK(obp_ob20_frame_parse(out, n, OBP_OB20_MAX_PAYLOAD, &g)
               == OBP_OK && g.frame_len == n
               && g.mysql_len == f->mysql_len && g.extra_len == f->extra_len
               && memcmp(g.mysql, f->mysql, f->mysql_len) == 0);
}

static void
fuzz_codec(struct fuzz_in *in)
{
    static uint8_t        scratch[OBP_IOBUF_SIZE * 4];
    struct obp_ob20_frame f;
    int                   rc;

    rc = fuzz_u8(in) & 1
         ? obp_ob20_zframe_parse(in->p, in->n, OBP_OB20_MAX_PAYLOAD,
                                 scratch, sizeof(scratch), &f)
         : obp_ob20_frame_parse(in->p, in->n, OBP_OB20_MAX_PAYLOAD, &f);
    FUZZ_CHECK(rc == OBP_OK || rc == OBP_AGAIN || f.fault != OBP_OB20_OK);
    if (rc != OBP_OK)
        return;
    FUZZ_CHECK(f.frame_len <= in->n);
    rebuild(&f);
}

/*
 * A conn in OB 2.0 on <fd>; <ask>: as the proxy toward a server; <zip>:
 * in the zlib variant (request 1 under way when it asks and reads).
 */
static void
ob20_conn(struct obp_conn *c, int fd, bool ask, bool zip)
{
    obp_conn_init(c, &worker, fd, 1, OBP_STAT_bytes_from_client, &ops,
                  NULL);
    FUZZ_CHECK(obp_xport_ob20(c, CONN_ID, ask) == OBP_OK);
    if (!zip)
        return;
    c->x->ob20_zlevel = 6;
    c->x->order.req_id = 1;
    c->x->order.started = true;
}

static bool
wants_read(const struct obp_conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };

    return obp_xport_buffered(c->x) || poll(&p, 1, 0) == 1;
}

static void
fuzz_read(struct fuzz_in *in, bool zip)
{
    static uint8_t           out[SOCKET_MAX];
    struct obp_conn          c;
    struct obp_sessinfo     *store = NULL;
    struct obp_sessinfo_peer peer;
    size_t                   room = fuzz_u8(in) + 1, got = 0, reads = 0;
    ssize_t                  r = -1;
    int                      fd[2];

    if (in->n > SOCKET_MAX)
        return;
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0);
    FUZZ_CHECK(write(fd[1], in->p, in->n) == (ssize_t)in->n);
    ob20_conn(&c, fd[0], zip, zip);
    memset(&peer, 0, sizeof(peer));
    peer.home = &store;
    c.x->peer = &peer;
    while (wants_read(&c) && got < sizeof(out)) {
        FUZZ_CHECK(++reads <= 2 * in->n + 16);
        r = obp_xport_read(&c, out + got, room < sizeof(out) - got
                                          ? room : sizeof(out) - got);
        if (r < 0 && errno == EPROTO)
            break;
        FUZZ_CHECK(r > 0 || errno == EAGAIN);
        got += r > 0 ? (size_t)r : 0;
    }
    FUZZ_CHECK(got <= in->n);
    close(fd[1]);
    obp_conn_close(&c);
    obp_sessinfo_free(store);
}

static void
fuzz_write(struct fuzz_in *in, bool zip)
{
    static uint8_t  back[SOCKET_MAX];
    struct obp_conn wc, rc;
    struct iovec    iov;
    bool            ask = zip || (fuzz_u8(in) & 1);
    size_t          piece = (size_t)fuzz_u16(in) + 1, got = 0, turns = 0;
    ssize_t         n;
    int             fd[2];

    if (in->n > SOCKET_MAX / 2)
        return;
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0);
    ob20_conn(&wc, fd[0], ask, zip);
    ob20_conn(&rc, fd[1], false, zip);
    if (zip)
        rc.x->order.started = false;   /* reads requests, as a server */
    iov.iov_base = (void *)(uintptr_t)in->p;
    /* each turn writes a piece or reads what fills the socket */
    while ((size_t)((const uint8_t *)iov.iov_base - in->p) < in->n
           || obp_xport_pending(wc.x) > 0) {
        FUZZ_CHECK(++turns <= 4 * in->n + 16);
        iov.iov_len = in->n - (size_t)((const uint8_t *)iov.iov_base - in->p);
        iov.iov_len = iov.iov_len < piece ? iov.iov_len : piece;
        n = obp_xport_write(&wc, &iov, iov.iov_len > 0 ? 1 : 0);
        FUZZ_CHECK(n >= 0 && (size_t)n <= iov.iov_len);
        iov.iov_base = (uint8_t *)iov.iov_base + n;
        n = obp_xport_read(&rc, back + got, sizeof(back) - got);
        FUZZ_CHECK(n > 0 || errno == EAGAIN);
        got += n > 0 ? (size_t)n : 0;
    }
    shutdown(fd[0], SHUT_WR);
    while ((n = obp_xport_read(&rc, back + got, sizeof(back) - got)) != 0) {
        FUZZ_CHECK(n > 0 || (errno == EAGAIN && rc.x->more));
        got += n > 0 ? (size_t)n : 0;
        FUZZ_CHECK(++turns <= 8 * in->n + 64);
    }
    FUZZ_CHECK(got == in->n && (got == 0 || memcmp(back, in->p, got) == 0));
    obp_conn_close(&wc);
    obp_conn_close(&rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    enum mode      mode = (enum mode)(fuzz_u8(&in) % M_COUNT);

    switch (mode) {
    case M_CODEC:
        fuzz_codec(&in);
        break;
    case M_READ:
    case M_ZREAD:
        fuzz_read(&in, mode == M_ZREAD);
        break;
    default:
        fuzz_write(&in, mode == M_ZWRITE);
        break;
    }
    return 0;
}
