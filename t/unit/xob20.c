/*
 * The OceanBase 2.0 reader and writer of a client leg (worker/xob20.c
 * through xport.h) on a socket pair: frames split anywhere, read a few
 * bytes at a time, one longer than a session buffer, 300 empty ones,
 * extra info, all come out as the MySQL bytes they carry; a bad frame
 * behind good ones gives the good bytes and then fails with EPROTO, none
 * of its own; a frame announcing more than it sends holds little
 * memory; what the proxy writes is framed in turn (request id
 * echoed, sequence following, both checksums right, OB_IS_LAST_PACKET on
 * the last frame only); toward a server each command is a request.
 */
#include "worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

#define CONN_ID 4242
#define BIG     40000           /* one frame beyond a buffer */

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

static void
ob20_pair(struct obp_conn *c, int fd[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) != 0) {
        printf("Bail out! socketpair: %s\n", strerror(errno));
        exit(1);
    }
    obp_conn_init(c, &worker, fd[0], 1, OBP_STAT_bytes_from_client, &ops,
                  NULL);
    obp_xport_ob20(c, CONN_ID, false);
}

/* A client's frame of <n> bytes of <p>. */
static size_t
frame(uint8_t *out, size_t room, uint32_t req, uint8_t seq, const void *p,
      size_t n, const uint8_t *extra, size_t extra_len, uint32_t flags)
{
    struct obp_ob20_hdr h = { .conn_id = CONN_ID, .req_id = req,
                              .seq = seq, .flags = flags };

    return obp_ob20_frame_build(out, room, &h, extra, extra_len, p, n);
}

static bool
wants_read(const struct obp_conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };

    return obp_xport_buffered(c->x) || poll(&p, 1, 0) == 1;
}

/* Reads as conn.c does; *err: the errno of a failed read, else 0. */
static size_t
read_all(struct obp_conn *c, uint8_t *out, size_t cap, size_t room,
         int *err)
{
    size_t  got = 0;
    ssize_t r;

    *err = 0;
    for (int turn = 0; turn < 100000 && got < cap && wants_read(c);
         turn++) {
        r = obp_xport_read(c, out + got, room < cap - got ? room
                                                          : cap - got);
        if (r > 0)
            got += (size_t)r;
        else if (r < 0 && errno != EAGAIN) {
            *err = errno;
            break;
        }
    }
    return got;
}

/* Writes <n> bytes of <p> to <fd> in pieces of <step>, reading between. */
static size_t
feed(int fd, const uint8_t *p, size_t n, size_t step, struct obp_conn *c,
     uint8_t *out, size_t cap, int *err)
{
    size_t got = 0, off, k;

    *err = 0;
    for (off = 0; off < n && *err == 0; off += k) {
        k = n - off < step ? n - off : step;
        if (write(fd, p + off, k) != (ssize_t)k)
            tap_diag("short write");
        got += read_all(c, out + got, cap - got, 7, err);
    }
    return got;
}

static void
test_pieces(void)
{
    static uint8_t  plain[BIG + 100], wire[BIG + 1000], out[BIG + 100];
    uint8_t         extra[32];
    struct obp_conn c;
    size_t          n = 0, e, got;
    int             fd[2], err;

    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i * 31 + 7);
    e = obp_ob20_extra_put_new(extra, sizeof(extra), OBP_OB20_TRACE_INFO,
                               "t", 1);
    n += frame(wire + n, sizeof(wire) - n, 1, 0, plain, 60, NULL, 0, 0);
    n += frame(wire + n, sizeof(wire) - n, 2, 0, plain + 60, 40, extra, e,
               OBP_OB20_IS_NEW_EXTRA_INFO);
    n += frame(wire + n, sizeof(wire) - n, 2, 1, plain + 100, BIG, NULL, 0,
               0);
    ob20_pair(&c, fd);
    got = feed(fd[1], wire, n, 1000, &c, out, sizeof(out), &err);
    tap_ok(err == 0 && got == sizeof(plain)
           && memcmp(out, plain, got) == 0,
           "frames (extra info, one of 40 KB) fed in pieces come out whole");
    obp_conn_close(&c);
    close(fd[1]);
}

static void
test_empty_frames(void)
{
    static uint8_t  wire[300 * 40 + 100], out[64];
    struct obp_conn c;
    size_t          n = 0, got;
    int             fd[2], err, i;

    for (i = 0; i < 300; i++)
        n += frame(wire + n, sizeof(wire) - n, 1, (uint8_t)i, "", 0, NULL,
                   0, 0);
    n += frame(wire + n, sizeof(wire) - n, 1, (uint8_t)i, "last", 4, NULL,
               0, 0);
    ob20_pair(&c, fd);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    got = read_all(&c, out, sizeof(out), sizeof(out), &err);
    tap_ok(err == 0 && got == 4 && memcmp(out, "last", 4) == 0,
           "300 empty frames, then data: the data comes out");
    obp_conn_close(&c);
    close(fd[1]);
}

static void
test_bad_behind_good(void)
{
    static uint8_t  wire[512], out[512];
    struct obp_conn c;
    size_t          n = 0, m, got;
    int             fd[2], err;

    n += frame(wire, sizeof(wire), 5, 0, "good", 4, NULL, 0, 0);
    m = frame(wire + n, sizeof(wire) - n, 6, 0, "evil", 4, NULL, 0, 0);
    wire[n + m - 1] ^= 0x01;        /* its CRC-32C */
    n += m;
    ob20_pair(&c, fd);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    got = read_all(&c, out, sizeof(out), 1, &err);
    tap_ok(got == 4 && memcmp(out, "good", 4) == 0,
           "a bad frame behind a good one: the good bytes only");
    tap_is_int(err, EPROTO, "then EPROTO");
    obp_conn_close(&c);
    close(fd[1]);
}

/* A frame that announces 1 MiB and sends 100 bytes costs little. */
static void
test_announced(void)
{
    static uint8_t  payload[1 << 20], wire[sizeof(payload) + 64], out[64];
    struct obp_conn c;
    size_t          n;
    int             fd[2], err;

    n = frame(wire, sizeof(wire), 1, 0, payload, sizeof(payload), NULL, 0,
              0);
    ob20_pair(&c, fd);
    if (n == 0 || write(fd[1], wire, 100) != 100)
        tap_diag("short write");
    read_all(&c, out, sizeof(out), sizeof(out), &err);
    tap_ok(err == 0 && c.x->frame != NULL
           && c.x->frame_cap <= 2 * OBP_IOBUF_SIZE,
           "a frame announcing 1 MiB, 100 bytes sent: 32 KiB held at most");
    obp_conn_close(&c);
    close(fd[1]);
}

/* The proxy's answer to request 9: frames checked with the codec. */
static void
test_writer(void)
{
    static uint8_t        wire[512], rows[3 * OBP_IOBUF_SIZE], back[65536];
    struct obp_ob20_frame f;
    struct obp_conn       c;
    struct iovec          iov;
    size_t                n, have = 0, at = 0, mysql = 0;
    int                   fd[2], err, frames = 0, lasts = 0, order = 1;
    uint8_t               seq = 1;
    ssize_t               w, r;

    n = frame(wire, sizeof(wire), 9, 0, "\x01\x00\x00\x00\x0e", 5, NULL, 0,
              0);
    ob20_pair(&c, fd);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    read_all(&c, wire, sizeof(wire), sizeof(wire), &err);
    obp_pkt_put_hdr(rows, sizeof(rows) - OBP_PKT_HDR_LEN, 1);
    memset(rows + OBP_PKT_HDR_LEN, 'r', sizeof(rows) - OBP_PKT_HDR_LEN);
    iov.iov_base = rows;
    iov.iov_len = sizeof(rows);
    for (int turn = 0; turn < 100 && iov.iov_len > 0; turn++) {
        w = obp_xport_write(&c, &iov, 1);
        if (w > 0) {
            iov.iov_base = (uint8_t *)iov.iov_base + w;
            iov.iov_len -= (size_t)w;
        }
        r = read(fd[1], back + have, sizeof(back) - have);
        if (r > 0)
            have += (size_t)r;
    }
    for (int turn = 0; turn < 100 && obp_xport_pending(c.x) > 0; turn++) {
        obp_xport_write(&c, &iov, 0);
        r = read(fd[1], back + have, sizeof(back) - have);
        if (r > 0)
            have += (size_t)r;
    }
    while (obp_ob20_frame_parse(back + at, have - at, OBP_OB20_MAX_PAYLOAD,
                                &f) == OBP_OK) {
        frames++;
        order &= f.hdr.req_id == 9 && f.hdr.seq == seq++
                 && f.hdr.conn_id == CONN_ID;
        lasts += (f.hdr.flags & OBP_OB20_IS_LAST_PACKET) != 0;
        mysql += f.mysql_len;
        at += f.frame_len;
    }
    tap_ok(at == have && mysql == sizeof(rows) && frames >= 3,
           "48 KB written: frames of at most a buffer, checksums right");
    tap_ok(order, "each echoes request 9, sequences 1, 2, 3 ...");
    tap_is_int(lasts, 1, "one frame says OB_IS_LAST_PACKET");
    obp_conn_close(&c);
    close(fd[1]);
}

/*
 * Toward a server: two commands in one write go as two requests (ids 1
 * and 2, each from sequence 0); the server's answer to the second is
 * read; one naming the first request is refused.
 */
static void
test_asker(void)
{
    static const uint8_t  cmds[] = "\x05\x00\x00\x00\x19\x01\x00\x00\x00"
                                   "\x09\x00\x00\x00\x03SELECT 1";
    static uint8_t        back[512], wire[256], out[64];
    struct obp_ob20_frame f[2];
    struct obp_conn       c;
    struct iovec          iov = { (void *)(uintptr_t)cmds, sizeof(cmds) - 1 };
    size_t                have = 0, n;
    ssize_t               r;
    int                   fd[2], err, turn;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) != 0)
        exit(1);
    obp_conn_init(&c, &worker, fd[0], 1, OBP_STAT_bytes_from_server, &ops,
                  NULL);
    obp_xport_ob20(&c, CONN_ID, true);
    for (turn = 0; turn < 10 && (iov.iov_len > 0
                                 || obp_xport_pending(c.x) > 0); turn++) {
        r = obp_xport_write(&c, &iov, iov.iov_len > 0 ? 1 : 0);
        if (r > 0) {
            iov.iov_base = (uint8_t *)iov.iov_base + r;
            iov.iov_len -= (size_t)r;
        }
    }
    r = read(fd[1], back, sizeof(back));
    have = r > 0 ? (size_t)r : 0;
    tap_ok(obp_ob20_frame_parse(back, have, OBP_OB20_MAX_PAYLOAD, &f[0])
           == OBP_OK && obp_ob20_frame_parse(back + f[0].frame_len,
                                              have - f[0].frame_len,
                                              OBP_OB20_MAX_PAYLOAD, &f[1])
           == OBP_OK && f[0].hdr.req_id == 1 && f[1].hdr.req_id == 2
           && f[0].hdr.seq == 0 && f[1].hdr.seq == 0
           && f[0].mysql_len == 9 && f[1].mysql_len == 13,
           "to a server: two commands in one write, two requests");
    n = frame(wire, sizeof(wire), 2, 1, "\x01\x00\x00\x01\x00", 5, NULL, 0,
              OBP_OB20_IS_LAST_PACKET);
    n += frame(wire + n, sizeof(wire) - n, 1, 2, "late", 4, NULL, 0, 0);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    have = read_all(&c, out, sizeof(out), sizeof(out), &err);
    tap_ok(have == 5 && err == EPROTO,
           "its answer read; a frame of the request before refused");
    obp_conn_close(&c);
    close(fd[1]);
}

int
main(void)
{
    obp_log_set_level(OBP_LOG_ALERT);
    test_pieces();
    test_empty_frames();
    test_bad_behind_good();
    test_announced();
    test_writer();
    test_asker();
    obp_iobuf_pool_free(&worker.pool);
    return tap_done();
}
