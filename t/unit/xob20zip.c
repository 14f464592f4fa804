/*
 * The zlib variant of OceanBase 2.0 on a server leg (worker/xob20.c
 * through xport.h, x->ob20_zlevel set as sob20.c sets it) on a socket
 * pair: a compressible command goes out deflated, an incompressible one
 * stored; the server's frames, deflated or stored, one inflating beyond
 * a session buffer, one deflated beyond it, fed in pieces, come out as
 * the MySQL bytes they carry; a corrupt deflate stream, an inflated
 * length one off either way and one beyond what deflate can make of the
 * bytes fail the read with EPROTO, after the good bytes before them.
 */
#include "worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "ob20_int.h"
#include "tap.h"

#define CONN_ID 4242
#define BIG     40000           /* inflates beyond a buffer */

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

/* A server leg in the zlib variant, request 1 under way. */
static void
zip_pair(struct obp_conn *c, int fd[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) != 0) {
        printf("Bail out! socketpair: %s\n", strerror(errno));
        exit(1);
    }
    obp_conn_init(c, &worker, fd[0], 1, OBP_STAT_bytes_from_server, &ops,
                  NULL);
    obp_xport_ob20(c, CONN_ID, true);
    c->x->ob20_zlevel = 6;
    c->x->order.req_id = 1;
    c->x->order.started = true;
}

/*
 * A server's frame of <n> bytes of <p>, sequence <seq>: deflated (at
 * <level>; -1: stored) with <uadj> added to the inflated length it
 * announces.  The bytes written.
 */
static size_t
zframe(uint8_t *out, size_t room, uint8_t seq, const uint8_t *p, size_t n,
       int level, int uadj)
{
    static uint8_t      body[BIG + 64];
    struct obp_ob20_hdr h = { .conn_id = CONN_ID, .req_id = 1, .seq = seq };
    size_t              blen, ulen;
    uLongf              zlen = room - 7;

    blen = obp_ob20_body_build(body, sizeof(body), &h, NULL, 0, p, n);
    if (level < 0) {
        memcpy(out + 7, body, blen);
        zlen = blen;
        ulen = 0;
    } else {
        compress2(out + 7, &zlen, body, blen, level);
        ulen = blen + (size_t)uadj;
    }
    obp_pkt_put_hdr(out, (uint32_t)zlen, seq);
    out[4] = (uint8_t)ulen;
    out[5] = (uint8_t)(ulen >> 8);
    out[6] = (uint8_t)(ulen >> 16);
    return 7 + zlen;
}

static bool
wants_read(const struct obp_conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };

    return obp_xport_buffered(c->x) || poll(&p, 1, 0) == 1;
}

/* Writes <n> bytes to <fd> in pieces of <step>, reading between. */
static size_t
feed(int fd, const uint8_t *p, size_t n, size_t step, struct obp_conn *c,
     uint8_t *out, size_t cap, int *err)
{
    size_t  got = 0, off, k;
    ssize_t r;

    *err = 0;
    for (off = 0; off < n && *err == 0; off += k) {
        k = n - off < step ? n - off : step;
        if (write(fd, p + off, k) != (ssize_t)k)
            tap_diag("short write");
        for (int turn = 0; turn < 10000 && got < cap && *err == 0
                           && wants_read(c); turn++) {
            r = obp_xport_read(c, out + got, cap - got);
            if (r > 0)
                got += (size_t)r;
            else if (r < 0 && errno != EAGAIN)
                *err = errno;
        }
    }
    return got;
}

/* What the proxy writes: deflated when it shrinks, stored otherwise. */
static void
test_writer(void)
{
    static uint8_t        cmd[4 + 3000], back[8192], scratch[8192];
    struct obp_ob20_frame f;
    struct obp_conn       c;
    struct iovec          iov = { cmd, sizeof(cmd) };
    ssize_t               r;
    int                   fd[2];

    obp_pkt_put_hdr(cmd, sizeof(cmd) - 4, 0);
    cmd[4] = 0x03;
    for (size_t i = 5; i < sizeof(cmd); i++)
        cmd[i] = (uint8_t)"SELECT 'aaaa' "[i % 14];
    zip_pair(&c, fd);
    c.x->order.req_id = 0;
    c.x->order.started = false;
    for (int turn = 0; turn < 10 && (iov.iov_len > 0
                                     || obp_xport_pending(c.x) > 0); turn++)
        if ((r = obp_xport_write(&c, &iov, iov.iov_len > 0 ? 1 : 0)) > 0) {
            iov.iov_base = (uint8_t *)iov.iov_base + r;
            iov.iov_len -= (size_t)r;
        }
    r = read(fd[1], back, sizeof(back));
    tap_ok(r > 0 && obp_ob20_zframe_parse(back, (size_t)r,
                                          OBP_OB20_MAX_PAYLOAD, scratch,
                                          sizeof(scratch), &f) == OBP_OK
           && f.hdr.uncomp_len > f.hdr.comp_len && f.hdr.req_id == 1
           && f.mysql_len == sizeof(cmd)
           && memcmp(f.mysql, cmd, sizeof(cmd)) == 0,
           "a compressible command goes deflated, as request 1");
    for (size_t i = 5; i < 200; i++)
        cmd[i] = (uint8_t)(i * 7919 >> 3 ^ i * 31);
    obp_pkt_put_hdr(cmd, 196, 0);
    iov.iov_base = cmd;
    iov.iov_len = 200;
    for (int turn = 0; turn < 10 && (iov.iov_len > 0
                                     || obp_xport_pending(c.x) > 0); turn++)
        if ((r = obp_xport_write(&c, &iov, iov.iov_len > 0 ? 1 : 0)) > 0) {
            iov.iov_base = (uint8_t *)iov.iov_base + r;
            iov.iov_len -= (size_t)r;
        }
    r = read(fd[1], back, sizeof(back));
    tap_ok(r > 0 && obp_ob20_zframe_parse(back, (size_t)r,
                                          OBP_OB20_MAX_PAYLOAD, NULL, 0, &f)
           == OBP_OK && f.hdr.uncomp_len == 0 && f.hdr.req_id == 2
           && f.mysql_len == 200,
           "one deflate does not shrink goes stored, as request 2");
    obp_conn_close(&c);
    close(fd[1]);
}

/* The server's frames, each kind, fed in pieces. */
static void
test_reader(void)
{
    static uint8_t  plain[200 + 2 * BIG], wire[3 * BIG], out[3 * BIG];
    struct obp_conn c;
    size_t          n = 0, got;
    int             fd[2], err;

    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = i < 200 + BIG ? (uint8_t)"row, row "[i % 9]
                               : (uint8_t)(i * 7919 >> 3 ^ i * 31);
    n += zframe(wire + n, sizeof(wire) - n, 0, plain, 100, 6, 0);
    n += zframe(wire + n, sizeof(wire) - n, 1, plain + 100, 100, -1, 0);
    n += zframe(wire + n, sizeof(wire) - n, 2, plain + 200, BIG, 6, 0);
    n += zframe(wire + n, sizeof(wire) - n, 3, plain + 200 + BIG, BIG, 1,
                0);
    zip_pair(&c, fd);
    got = feed(fd[1], wire, n, 997, &c, out, sizeof(out), &err);
    tap_ok(err == 0 && got == sizeof(plain)
           && memcmp(out, plain, got) == 0,
           "deflated, stored, 40 KB inflated and 40 KB deflated frames");
    obp_conn_close(&c);
    close(fd[1]);
}

/* A bad frame behind a good one: the good bytes, then EPROTO. */
static void
bad_behind_good(const char *what, int level, int uadj, bool corrupt)
{
    static uint8_t  plain[2000], wire[8192], out[4096];
    struct obp_conn c;
    size_t          n, g, got;
    int             fd[2], err;

    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)"abcabd"[i % 6];
    g = zframe(wire, sizeof(wire), 0, plain, 500, 6, 0);
    n = g + zframe(wire + g, sizeof(wire) - g, 1, plain + 500, 1500, level,
                   uadj);
    if (corrupt)
        wire[g + 7 + 6] ^= 0x5a;
    zip_pair(&c, fd);
    got = feed(fd[1], wire, n, n, &c, out, sizeof(out), &err);
    tap_ok(got == 500 && memcmp(out, plain, 500) == 0 && err == EPROTO,
           what);
    obp_conn_close(&c);
    close(fd[1]);
}

/* An inflated length deflate cannot make of what came: no buffer. */
static void
test_ratio(void)
{
    static const uint8_t wire[] = { 10, 0, 0, 0, 0xff, 0xff, 0x7f, 0x78,
                                    0x9c, 1, 2, 3, 4, 5, 6, 7, 8 };
    static uint8_t       out[64];
    struct obp_conn      c;
    size_t               got;
    int                  fd[2], err;

    zip_pair(&c, fd);
    got = feed(fd[1], wire, sizeof(wire), sizeof(wire), &c, out,
               sizeof(out), &err);
    tap_ok(got == 0 && err == EPROTO && c.x->zbuf == NULL,
           "8 MiB announced from 10 bytes: refused, nothing allocated");
    obp_conn_close(&c);
    close(fd[1]);
}

int
main(void)
{
    obp_log_set_level(OBP_LOG_ALERT);
    test_writer();
    test_reader();
    bad_behind_good("a corrupt deflate stream: good bytes, then EPROTO", 6,
                    0, true);
    bad_behind_good("an inflated length one short: EPROTO", 6, -1, false);
    bad_behind_good("an inflated length one beyond: EPROTO", 6, 1, false);
    test_ratio();
    obp_iobuf_pool_free(&worker.pool);
    return tap_done();
}
