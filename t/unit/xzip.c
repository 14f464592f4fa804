/*
 * The compressed protocol's reader (worker/xzip.c through xport.h) on a
 * socket pair: packets stored and deflated, split anywhere, come out as
 * they were sent; and a read that stops after its turns, with or
 * without bytes to give, says the xport holds more, so that conn.c
 * comes back for the rest while the peer waits for an answer (found by
 * t/fuzz/session_fuzz.c: 300 empty compressed packets stalled a
 * session); a deflated packet read a byte at a time comes out whole.
 */
#include "worker.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "tap.h"

#define EMPTY_PACKETS 300       /* more than the reader's turns */

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

/* A compressed packet holding <p>: stored, or deflated when <zip>. */
static size_t
packed(uint8_t *out, const void *p, size_t n, uint8_t seq, bool zip)
{
    uLongf clen = compressBound(n);

    if (!zip) {
        obp_pkt_put_hdr(out, (uint32_t)n, seq);
        out[4] = out[5] = out[6] = 0;
        memcpy(out + 7, p, n);
        return 7 + n;
    }
    compress(out + 7, &clen, p, n);
    obp_pkt_put_hdr(out, (uint32_t)clen, seq);
    out[4] = (uint8_t)n;
    out[5] = (uint8_t)(n >> 8);
    out[6] = (uint8_t)(n >> 16);
    return 7 + clen;
}

/* conn.c reads when the socket is readable or the xport holds more. */
static bool
wants_read(const struct obp_conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };

    return obp_xport_buffered(c->x) || poll(&p, 1, 0) == 1;
}

/* Reads what <c> gives as conn.c does (the peer never closes here). */
static size_t
read_all(struct obp_conn *c, uint8_t *out, size_t cap, size_t room)
{
    size_t  got = 0;
    ssize_t r;

    for (int turn = 0; turn < 10000 && got < cap && wants_read(c); turn++) {
        r = obp_xport_read(c, out + got, room < cap - got ? room
                                                          : cap - got);
        if (r > 0)
            got += (size_t)r;
    }
    return got;
}

static void
zip_pair(struct obp_conn *c, int fd[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) != 0) {
        printf("Bail out! socketpair: %s\n", strerror(errno));
        exit(1);
    }
    obp_conn_init(c, &worker, fd[0], 1, OBP_STAT_bytes_from_client, &ops,
                  NULL);
    obp_xport_zip(c);
}

/* <before> data packets, EMPTY_PACKETS empty ones, then "last". */
static void
test_turns(int before, const char *name)
{
    static const uint8_t want[] = "\x05\x00\x00\x00\x03last";
    static uint8_t       wire[EMPTY_PACKETS * 7 + 256], out[256];
    struct obp_conn      c;
    size_t               n = 0, got;
    int                  fd[2];

    for (int i = 0; i < before; i++)
        n += packed(wire + n, want, sizeof(want) - 1, 0, false);
    for (int i = 0; i < EMPTY_PACKETS; i++)
        n += packed(wire + n, "", 0, (uint8_t)i, false);
    n += packed(wire + n, want, sizeof(want) - 1, 1, false);
    zip_pair(&c, fd);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    got = read_all(&c, out, sizeof(out), sizeof(out));
    tap_is_int((int64_t)got, (int64_t)((size_t)(before + 1)
                                       * (sizeof(want) - 1)), name);
    tap_ok(got >= sizeof(want) - 1
           && memcmp(out + got - (sizeof(want) - 1), want,
                     sizeof(want) - 1) == 0, "  and the last packet is whole");
    obp_conn_close(&c);
    close(fd[1]);
}

/* Stored and deflated packets, written and read in pieces. */
static void
test_pieces(void)
{
    static uint8_t plain[3000], wire[8000], out[4000];
    struct obp_conn c;
    size_t          n = 0, got = 0, half;
    int             fd[2];

    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i % 7 == 0 ? i : 'a');
    n += packed(wire + n, plain, 40, 0, false);
    n += packed(wire + n, plain + 40, 2000, 1, true);
    n += packed(wire + n, plain + 2040, 960, 2, true);
    zip_pair(&c, fd);
    half = n / 2;
    if (write(fd[1], wire, half) != (ssize_t)half)
        tap_diag("short write");
    got = read_all(&c, out, sizeof(out), 13);
    if (write(fd[1], wire + half, n - half) != (ssize_t)(n - half))
        tap_diag("short write");
    got += read_all(&c, out + got, sizeof(out) - got, 13);
    tap_ok(got == sizeof(plain) && memcmp(out, plain, got) == 0,
           "stored and deflated packets split in two come out whole");
    obp_conn_close(&c);
    close(fd[1]);
}

/*
 * A deflated packet read a byte at a time, its zlib stream without the
 * checksum (the packet's length says where it ends): once all of it is
 * read its input buffer goes back to the pool while the last match's
 * bytes are still due (found by t/fuzz/session_fuzz.c: the next read
 * used the buffer gone).
 */
static void
test_byte_reads(void)
{
    static uint8_t plain[3000], wire[200], out[sizeof(plain)];
    struct obp_conn c;
    size_t          n, got;
    int             fd[2];

    obp_pkt_put_hdr(plain, sizeof(plain) - OBP_PKT_HDR_LEN, 0);
    memset(plain + OBP_PKT_HDR_LEN, 'a', sizeof(plain) - OBP_PKT_HDR_LEN);
    n = packed(wire, plain, sizeof(plain), 0, true) - 4;
    obp_pkt_put_hdr(wire, (uint32_t)n - 7, 0);
    zip_pair(&c, fd);
    if (write(fd[1], wire, n) != (ssize_t)n)
        tap_diag("short write");
    got = read_all(&c, out, sizeof(out), 1);
    tap_ok(got == sizeof(plain) && memcmp(out, plain, got) == 0,
           "a deflated packet read a byte at a time comes out whole");
    obp_conn_close(&c);
    close(fd[1]);
}

int
main(void)
{
    obp_log_set_level(OBP_LOG_ALERT);
    test_pieces();
    test_byte_reads();
    test_turns(0, "300 empty packets, then data: the data comes out");
    test_turns(1, "data, 300 empty packets, data: all of it comes out");
    obp_iobuf_pool_free(&worker.pool);
    return tap_done();
}
