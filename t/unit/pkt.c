/*
 * MySQL ERR packets byte for byte, the packet header helpers, server
 * address parsing (single and lists) and the string helpers of util.
 */
#include "obp.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include "tap.h"

static void
test_err_exact(void)
{
    static const uint8_t want[] = {
        0x1d, 0x00, 0x00, 0x00,             /* 29 payload bytes, seq 0 */
        0xff, 0x10, 0x04,                   /* ERR, 1040 little endian */
        '#', '0', '8', '0', '0', '4',
        'T', 'o', 'o', ' ', 'm', 'a', 'n', 'y', ' ', 'c', 'o', 'n', 'n',
        'e', 'c', 't', 'i', 'o', 'n', 's'
    };
    uint8_t buf[64];
    size_t  n;

    n = obp_pkt_err(buf, sizeof(buf), 0, OBP_ER_CON_COUNT_ERROR, "08004",
                    "Too many connections");
    tap_is_int((int64_t)n, sizeof(want), "ERR 1040: 33 bytes");
    tap_ok(n == sizeof(want) && memcmp(buf, want, n) == 0,
           "  exact bytes of the ERR packet");
    n = obp_pkt_err(buf, sizeof(buf), 3, OBP_ER_CONNECT_TO_SERVER, NULL,
                    NULL);
    tap_ok(n == 13 && buf[0] == 9 && buf[3] == 3 && buf[5] == 0x95
           && buf[6] == 0x05 && memcmp(buf + 7, "#HY000", 6) == 0,
           "NULL state is HY000, NULL message is empty, sequence kept");
    n = obp_pkt_err(buf, sizeof(buf), 0, 2003, "08", "x");
    tap_ok(n == 14 && memcmp(buf + 7, "#HY000x", 7) == 0,
           "a state shorter than 5 characters becomes HY000");
}

static void
test_err_cut(void)
{
    uint8_t buf[32];
    size_t  n;

    memset(buf, 0xaa, sizeof(buf));
    n = obp_pkt_err(buf, 20, 1, 1040, "08004", "Too many connections");
    tap_ok(n == 20 && obp_pkt_payload_len(buf) == 16
           && memcmp(buf + 13, "Too man", 7) == 0 && buf[20] == 0xaa,
           "message cut to fit cap 20, nothing written past it");
    n = obp_pkt_err(buf, 13, 1, 1040, "08004", "Too many connections");
    tap_ok(n == 13 && obp_pkt_payload_len(buf) == 9,
           "cap 13 holds an empty message");
    tap_is_int((int64_t)obp_pkt_err(buf, 12, 1, 1040, "08004", "x"), 0,
               "cap 12 is too small: 0");
    n = obp_pkt_err(buf, 16, 0, 1040, "08004", "ab\xc3\xa9");
    tap_ok(n == 15 && memcmp(buf + 13, "ab", 2) == 0,
           "the cut does not split a UTF-8 character");
}

static void
test_hdr(void)
{
    uint8_t h[4];

    obp_pkt_put_hdr(h, 0x123456, 7);
    tap_ok(h[0] == 0x56 && h[1] == 0x34 && h[2] == 0x12 && h[3] == 7,
           "put_hdr: 24-bit little-endian length, sequence");
    tap_is_int(obp_pkt_payload_len(h), 0x123456, "payload_len round trip");
    obp_pkt_put_hdr(h, OBP_PKT_MAX_PAYLOAD, 255);
    tap_is_int(obp_pkt_payload_len(h), 0xffffff, "max payload round trip");
}

static void
addr_ok(const char *in, const char *text, int family, unsigned port)
{
    struct obp_addr a = { .salen = 0 };
    char            err[128] = "", name[128];
    int             rc = obp_addr_parse(&a, in, err, sizeof(err));
    unsigned        got = 0;

    if (rc == OBP_OK && family == AF_INET)
        got = ntohs(((struct sockaddr_in *)&a.sa)->sin_port);
    else if (rc == OBP_OK)
        got = ntohs(((struct sockaddr_in6 *)&a.sa)->sin6_port);
    snprintf(name, sizeof(name), "parse \"%s\"", in);
    if (!tap_ok(rc == OBP_OK && a.sa.ss_family == family && got == port,
                name))
        printf("#   rc %d, err \"%s\"\n", rc, err);
    tap_is_str(a.text, text, "  text");
}

static void
addr_bad(const char *in, const char *phrase)
{
    struct obp_addr a;
    char            err[128] = "", name[128];

    snprintf(name, sizeof(name), "refuse \"%s\"", in);
    tap_ok(obp_addr_parse(&a, in, err, sizeof(err)) == OBP_ERROR, name);
    tap_like(err, phrase, "  error phrase");
}

static void
test_addr(void)
{
    addr_ok("127.0.0.1:3306", "127.0.0.1:3306", AF_INET, 3306);
    addr_ok("  10.1.2.3:2881\t", "10.1.2.3:2881", AF_INET, 2881);
    addr_ok("[::1]:2883", "[::1]:2883", AF_INET6, 2883);
    addr_ok("[2001:DB8:0:0::1]:65535", "[2001:db8::1]:65535", AF_INET6,
            65535);
    addr_ok("1.2.3.4:1", "1.2.3.4:1", AF_INET, 1);
    addr_bad("1.2.3.4", "\"1.2.3.4\" has no port");
    addr_bad("1.2.3.4:", "\"1.2.3.4:\" has no port");
    addr_bad("[::1]", "\"[::1]\" has no port");
    addr_bad("::1", "has no port (write [ipv6]:port)");
    addr_bad("1.2.3.4:0", "\"1.2.3.4:0\" has a port out of range [1, 65535]");
    addr_bad("1.2.3.4:65536", "has a port out of range [1, 65535]");
    addr_bad("1.2.3.4:99999999999999", "out of range");
    addr_bad("1.2.3.4:+80", "is not a number");
    addr_bad("x:1", "\"x:1\" is not an IP address");
    addr_bad("localhost:3306", "is not an IP address");
    addr_bad("1.2.3:80", "is not an IP address");
    addr_bad("[1.2.3.4]:80", "is not an IP address");
    addr_bad("[::1:80", "is not an IP address");
    addr_bad("", "is not an IP address");
}

static void
test_addr_list(void)
{
    struct obp_addr a[3];
    char            err[128] = "";

    tap_is_int(obp_addr_parse_list("1.1.1.1:1;[::2]:2,3.3.3.3:3", a, 3, err,
                                   sizeof(err)), 3, "list with ';' and ','");
    tap_ok(strcmp(a[0].text, "1.1.1.1:1") == 0
           && strcmp(a[1].text, "[::2]:2") == 0
           && strcmp(a[2].text, "3.3.3.3:3") == 0, "  items in order");
    tap_is_int(obp_addr_parse_list(" 1.1.1.1:1 ; 2.2.2.2:2; ", a, 3, err,
                                   sizeof(err)), 2, "blanks and a trailing ;");
    tap_is_int(obp_addr_parse_list("", a, 3, err, sizeof(err)), 0,
               "empty list: 0");
    tap_is_int(obp_addr_parse_list("1.1.1.1:1;2.2.2.2", a, 3, err,
                                   sizeof(err)), OBP_ERROR, "bad item");
    tap_like(err, "\"2.2.2.2\" has no port", "  names the item");
    tap_is_int(obp_addr_parse_list("1.1.1.1:1,1.1.1.1:2,1.1.1.1:3", a, 2,
                                   err, sizeof(err)), OBP_ERROR,
               "too many items");
    tap_like(err, "more than 2 servers", "  says the limit");
}

static void
test_util(void)
{
    char buf[8];
    int  p[2];

    tap_is_int((int64_t)obp_strlcpy(buf, "abc", sizeof(buf)), 3,
               "strlcpy returns strlen(src)");
    tap_is_str(buf, "abc", "  copied");
    tap_is_int((int64_t)obp_strlcpy(buf, "0123456789", sizeof(buf)), 10,
               "strlcpy truncating returns strlen(src)");
    tap_is_str(buf, "0123456", "  truncated and terminated");
    buf[0] = 'x';
    obp_strlcpy(buf, "abc", 0);
    tap_ok(buf[0] == 'x', "size 0 writes nothing");
    tap_ok(obp_strcasecmp("WDiag", "wdiag") == 0
           && obp_strcasecmp("a", "B") < 0 && obp_strcasecmp("b", "A") > 0
           && obp_strcasecmp("ab", "a") > 0, "strcasecmp");
    tap_ok(obp_now_us() > 0 && obp_wallclock_us() > INT64_C(1600000000000000),
           "clocks");
    if (pipe(p) == -1)
        return;
    tap_ok(obp_fd_nonblock(p[0]) == OBP_OK
           && (fcntl(p[0], F_GETFL) & O_NONBLOCK)
           && obp_fd_cloexec(p[0], 1) == OBP_OK
           && (fcntl(p[0], F_GETFD) & FD_CLOEXEC)
           && obp_fd_cloexec(p[0], 0) == OBP_OK
           && !(fcntl(p[0], F_GETFD) & FD_CLOEXEC), "fd flags");
    tap_ok(obp_fd_nonblock(-1) == OBP_ERROR && errno == EBADF,
           "fd flags on a bad fd fail with errno");
    close(p[0]);
    close(p[1]);
}

/* A private address as the admin's login wants one (addr.h). */
static void
test_private(void)
{
    static const struct { const char *ip; bool priv; } cases[] = {
        { "127.0.0.1:1", true }, { "10.1.2.3:1", true },
        { "172.16.0.1:1", true }, { "172.31.255.255:1", true },
        { "172.32.0.1:1", false }, { "192.168.9.9:1", true },
        { "192.169.0.1:1", false }, { "203.0.113.2:1", false },
        { "[::1]:1", true }, { "[fd00::1]:1", true },
        { "[fe80::1]:1", true }, { "[2001:db8::1]:1", false },
        { "[::ffff:10.0.0.1]:1", true }, { "[::ffff:8.8.8.8]:1", false },
    };
    struct obp_addr a;
    char            err[64];
    int             ok = 1;

    for (size_t i = 0; i < OBP_NELEMS(cases); i++) {
        if (obp_addr_parse(&a, cases[i].ip, err, sizeof(err)) != OBP_OK
            || obp_addr_private(&a) != cases[i].priv) {
            tap_diag(cases[i].ip);
            ok = 0;
        }
    }
    tap_ok(ok, "loopback and private addresses, v4, v6 and mapped");
}

/* A text result set written by the codec reads back. */
static void
test_rset(void)
{
    struct obp_coldef  col = { .name = "name", .type = OBP_TYPE_VAR_STRING,
                               .charset = 45, .length = 1024 };
    const char        *val[] = { "listen_port", NULL };
    size_t             len[] = { 11, 0 };
    const uint8_t     *got[2];
    size_t             glen[2];
    uint8_t            buf[256];
    struct obp_wr      wr;
    size_t             off;

    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_rset_count_write(&wr, 1, 2) == OBP_OK && buf[4] == 2
           && buf[3] == 1, "column count packet");
    off = wr.len;
    tap_ok(obp_coldef_write(&wr, 2, &col, false) == OBP_OK
           && memcmp(buf + off + 4, "\3def\0\0\0\4name\4name\x0c", 16)
              == 0 && buf[wr.len - 6] == OBP_TYPE_VAR_STRING,
           "column definition: def, names, fixed fields, type");
    off = wr.len;
    tap_ok(obp_text_row_write(&wr, 3, 2, val, len) == OBP_OK
           && obp_text_row_parse(buf + off + 4, wr.len - off - 4, 2, got,
                                 glen) == OBP_OK
           && glen[0] == 11 && memcmp(got[0], "listen_port", 11) == 0
           && got[1] == NULL, "a text row with a NULL reads back");
    off = wr.len;
    tap_ok(obp_rset_end_write(&wr, 4, 2, 0) == OBP_OK
           && obp_is_eof(buf + off + 4, wr.len - off - 4),
           "the end: an EOF");
    off = wr.len;
    tap_ok(obp_rset_end_write(&wr, 5, 2, OBP_CLIENT_DEPRECATE_EOF) == OBP_OK
           && buf[off + 4] == OBP_PKT_EOF && wr.len - off - 4 == 7,
           "  with DEPRECATE_EOF: an OK led by 0xfe");
}

int
main(void)
{
    test_err_exact();
    test_err_cut();
    test_hdr();
    test_addr();
    test_addr_list();
    test_util();
    test_private();
    test_rset();
    return tap_done();
}
