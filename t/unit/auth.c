/*
 * mysql_native_password arithmetic: SHA1 vectors, stored-hash parsing,
 * scrambles, and the token round trip against hashes a real MariaDB
 * server produced (PASSWORD() and mysql.user.authentication_string).
 */
#include "obp.h"

#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* ODP's fixed scramble, used when proxy scrambles are off. */
static const uint8_t fixed_scramble[OBP_SCRAMBLE_LEN] =
    "aaaaaaaabbbbbbbbbbbb";

static void
from_hex(const char *hex, uint8_t *out, size_t n)
{
    size_t i;
    unsigned v;

    for (i = 0; i < n; i++) {
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            v = 0;
        out[i] = (uint8_t)v;
    }
}

static int
same_hex(const uint8_t *got, const char *hex)
{
    uint8_t want[OBP_SHA1_LEN];

    from_hex(hex, want, sizeof(want));
    return memcmp(got, want, sizeof(want)) == 0;
}

static void
test_sha1(void)
{
    uint8_t d[OBP_SHA1_LEN], d2[OBP_SHA1_LEN];

    obp_sha1("abc", 3, NULL, 0, d);
    tap_ok(same_hex(d, "a9993e364706816aba3e25717850c26c9cd0d89d"),
           "SHA1(\"abc\") (FIPS 180 vector)");
    obp_sha1("", 0, NULL, 0, d);
    tap_ok(same_hex(d, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
           "SHA1 of nothing");
    obp_sha1("ab", 2, "c", 1, d2);
    obp_sha1("abc", 3, NULL, 0, d);
    tap_ok(memcmp(d, d2, sizeof(d)) == 0, "SHA1(a || b) is SHA1 of both");
    obp_sha1("", 0, "abc", 3, d2);
    tap_ok(memcmp(d, d2, sizeof(d)) == 0, "an empty first part is fine");
}

static void
test_parse_stage2(void)
{
    static const char upper[] = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
    static const char lower[] = "*2470c0c06dee42fd1618bb99005adca2ec9d1e19";
    uint8_t s[OBP_SHA1_LEN], t[OBP_SHA1_LEN], keep[OBP_SHA1_LEN];

    tap_is_int(obp_auth_parse_stage2(upper, strlen(upper), s), OBP_OK,
               "stage2: '*' and 40 upper-case hex digits");
    tap_ok(same_hex(s, upper + 1), "  the 20 bytes");
    tap_is_int(obp_auth_parse_stage2(lower, strlen(lower), t), OBP_OK,
               "stage2: lower case");
    tap_ok(memcmp(s, t, sizeof(s)) == 0, "  same bytes as upper case");
    tap_is_int(obp_auth_parse_stage2("", 0, s), OBP_DONE,
               "stage2: empty means no password");
    tap_is_int(obp_auth_parse_stage2(NULL, 0, s), OBP_DONE,
               "stage2: NULL and 0 too");
    memset(s, 0x5a, sizeof(s));
    memcpy(keep, s, sizeof(s));
    tap_is_int(obp_auth_parse_stage2(upper + 1, 40, s), OBP_ERROR,
               "stage2: no '*' is refused");
    tap_is_int(obp_auth_parse_stage2(upper, 40, s), OBP_ERROR,
               "stage2: 39 digits refused");
    tap_is_int(obp_auth_parse_stage2("*2470C0C06DEE42FD1618BB99005ADCA2"
                                     "EC9D1E19A", 42, s), OBP_ERROR,
               "stage2: 41 digits refused");
    tap_is_int(obp_auth_parse_stage2("*2470C0C06DEE42FD1618BB99005ADCA2"
                                     "EC9D1E1G", 41, s), OBP_ERROR,
               "stage2: a non-hex digit refused");
    tap_is_int(obp_auth_parse_stage2("$A$005$abcdefghijklmnopqrstuvwxyz"
                                     "0123456789", 41, s), OBP_ERROR,
               "stage2: another plugin's data refused");
    tap_is_int(obp_auth_parse_stage2("*", 1, s), OBP_ERROR,
               "stage2: a lone '*' refused");
    tap_ok(memcmp(s, keep, sizeof(s)) == 0,
           "stage2: output untouched on errors");
}

static void
test_parse_stage1(void)
{
    static const char hex[] = "5BAA61E4c9b93f3f0682250b6cf8331b7ee68fd8";
    uint8_t s[OBP_SHA1_LEN], want[OBP_SHA1_LEN];

    tap_is_int(obp_auth_parse_stage1(hex, 40, s), OBP_OK,
               "stage1: 40 hex digits, mixed case");
    obp_sha1("password", 8, NULL, 0, want);
    tap_ok(memcmp(s, want, sizeof(s)) == 0, "  is SHA1(\"password\")");
    tap_is_int(obp_auth_parse_stage1(hex, 39, s), OBP_ERROR,
               "stage1: 39 digits refused");
    tap_is_int(obp_auth_parse_stage1("*5BAA61E4c9b93f3f0682250b6cf8331b7ee"
                                     "68fd8", 41, s), OBP_ERROR,
               "stage1: a leading '*' refused");
    tap_is_int(obp_auth_parse_stage1("5BAA61E4c9b93f3f0682250b6cf8331b7ee6"
                                     "8fdz", 40, s), OBP_ERROR,
               "stage1: a non-hex digit refused");
    tap_is_int(obp_auth_parse_stage1("", 0, s), OBP_ERROR,
               "stage1: empty refused");
}

/* Hashes MariaDB's PASSWORD() gave for three passwords. */
static void
test_server_vectors(void)
{
    static const struct {
        const char *pw;
        const char *stored;
    } v[] = {
        { "password", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19" },
        { "secret", "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7" },
        { "obproxy test", "*00EE60AA142F1803F936B7741D8EAB1764684845" },
    };
    uint8_t s1[OBP_SHA1_LEN], s2[OBP_SHA1_LEN], want[OBP_SHA1_LEN];
    char    name[96];
    size_t  i;

    for (i = 0; i < OBP_NELEMS(v); i++) {
        obp_sha1(v[i].pw, strlen(v[i].pw), NULL, 0, s1);
        obp_sha1(s1, sizeof(s1), NULL, 0, s2);
        obp_auth_parse_stage2(v[i].stored, strlen(v[i].stored), want);
        snprintf(name, sizeof(name), "SHA1(SHA1('%s')) is the server's %.9s",
                 v[i].pw, v[i].stored);
        tap_ok(memcmp(s2, want, sizeof(s2)) == 0, name);
    }
}

static void
test_scramble(void)
{
    uint8_t s[OBP_SCRAMBLE_LEN], t[OBP_SCRAMBLE_LEN];
    int     seen[256] = { 0 }, bad = 0, distinct = 0, i, j;

    tap_is_int(obp_auth_scramble(s), OBP_OK, "scramble: OK");
    tap_is_int(obp_auth_scramble(t), OBP_OK, "scramble: OK again");
    tap_ok(memcmp(s, t, sizeof(s)) != 0, "two scrambles differ");
    for (i = 0; i < 200; i++) {
        if (obp_auth_scramble(s) != OBP_OK)
            bad++;
        for (j = 0; j < OBP_SCRAMBLE_LEN; j++) {
            if (s[j] < 33 || s[j] > 126)
                bad++;
            seen[s[j]]++;
        }
    }
    for (i = 0; i < 256; i++)
        distinct += seen[i] != 0;
    tap_is_int(bad, 0, "4000 scramble bytes all in '!'..'~' (no NUL)");
    tap_ok(distinct >= 90, "  and they cover the printable range");
}

/* Scrambles come from a pool: a forked worker must not reuse its bytes. */
static void
test_scramble_fork(void)
{
    uint8_t s[OBP_SCRAMBLE_LEN], child[OBP_SCRAMBLE_LEN];
    int     fds[2], status = -1;
    ssize_t n = -1;
    pid_t   pid;

    tap_is_int(obp_auth_scramble(s), OBP_OK, "scramble before a fork");
    if (pipe(fds) == -1 || (pid = fork()) == -1) {
        tap_ok(0, "pipe and fork");
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(obp_auth_scramble(child) == OBP_OK
              && write(fds[1], child, sizeof(child)) == sizeof(child)
              ? 0 : 1);
    }
    close(fds[1]);
    n = read(fds[0], child, sizeof(child));
    close(fds[0]);
    waitpid(pid, &status, 0);
    tap_is_int(obp_auth_scramble(s), OBP_OK, "the parent's next scramble");
    tap_ok(n == (ssize_t)sizeof(child) && status == 0
           && memcmp(s, child, sizeof(s)) != 0,
           "a forked child's scramble is not the parent's next one");
}

static void
test_token_vector(void)
{
    uint8_t s1[OBP_SHA1_LEN], s2[OBP_SHA1_LEN], tok[OBP_SHA1_LEN];
    uint8_t got[OBP_SHA1_LEN];

    obp_sha1("password", 8, NULL, 0, s1);
    obp_sha1(s1, sizeof(s1), NULL, 0, s2);
    obp_auth_token(s1, fixed_scramble, tok);
    /* Computed apart from this code, with another SHA1 implementation. */
    tap_ok(same_hex(tok, "3f4aeee130bf4787d770d2c7ba587437d362c53c"),
           "token of 'password' for the fixed scramble");
    memset(got, 0, sizeof(got));
    tap_is_int(obp_auth_check(tok, sizeof(tok), fixed_scramble, s2, got),
               OBP_OK, "check accepts it");
    tap_ok(memcmp(got, s1, sizeof(s1)) == 0, "  and recovers stage1");
}

static void
test_check_failures(void)
{
    uint8_t s1[OBP_SHA1_LEN], s2[OBP_SHA1_LEN], tok[OBP_SHA1_LEN + 1];
    uint8_t bad1[OBP_SHA1_LEN], badtok[OBP_SHA1_LEN], out[OBP_SHA1_LEN];
    uint8_t scr[OBP_SCRAMBLE_LEN], other[OBP_SCRAMBLE_LEN];
    uint8_t keep[OBP_SHA1_LEN];

    obp_auth_parse_stage2("*14E65567ABDB5135D0CFD9A70B3032C179A49EE7", 41,
                          s2);
    obp_sha1("secret", 6, NULL, 0, s1);
    obp_auth_scramble(scr);
    obp_auth_scramble(other);
    obp_auth_token(s1, scr, tok);
    tok[OBP_SHA1_LEN] = 0;
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN, scr, s2, out), OBP_OK,
               "random scramble: the right password passes");
    tap_ok(memcmp(out, s1, sizeof(s1)) == 0, "  stage1 recovered");

    memset(out, 0x5a, sizeof(out));
    memcpy(keep, out, sizeof(out));
    obp_sha1("Secret", 6, NULL, 0, bad1);
    obp_auth_token(bad1, scr, badtok);
    tap_is_int(obp_auth_check(badtok, sizeof(badtok), scr, s2, out),
               OBP_ERROR, "a wrong password fails");
    tap_ok(memcmp(out, keep, sizeof(out)) == 0, "  stage1 not written");
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN - 1, scr, s2, out),
               OBP_ERROR, "a 19-byte token fails");
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN + 1, scr, s2, out),
               OBP_ERROR, "a 21-byte token fails");
    tap_is_int(obp_auth_check(tok, 0, scr, s2, out), OBP_ERROR,
               "an empty token fails");
    tap_is_int(obp_auth_check(NULL, OBP_SHA1_LEN, scr, s2, out), OBP_ERROR,
               "a NULL token fails");
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN, other, s2, out), OBP_ERROR,
               "the token for another scramble fails");
    tok[7] ^= 0x01;
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN, scr, s2, out), OBP_ERROR,
               "one flipped bit fails");
    tok[7] ^= 0x01;
    obp_sha1(bad1, sizeof(bad1), NULL, 0, s2);
    tap_is_int(obp_auth_check(tok, OBP_SHA1_LEN, scr, s2, out), OBP_ERROR,
               "checked against another account's stage2: fails");
    tap_ok(memcmp(out, keep, sizeof(out)) == 0,
           "  stage1 still untouched after all failures");
}

int
main(void)
{
    test_sha1();
    test_parse_stage2();
    test_parse_stage1();
    test_server_vectors();
    test_scramble();
    test_scramble_fork();
    test_token_vector();
    test_check_failures();
    return tap_done();
}
