/*
 * The account row a client's address selects (worker/acct.c), in
 * MariaDB's order: exact addresses and netmasks, then patterns by their
 * literal prefix, then '%', then ''; localhost never for a TCP client.
 */
#include "obp.h"

#include "worker.h"
#include "tap.h"

/* The host of the row chosen among <hosts> for <ip>, or "-" for none. */
static const char *
chosen(const char *const *hosts, unsigned n, const char *ip)
{
    static struct obp_acct_row rows[8];
    struct obp_acct            a;
    const struct obp_acct_row *r;

    memset(&a, 0, sizeof(a));
    for (unsigned i = 0; i < n; i++)
        obp_strlcpy(rows[i].host, hosts[i], sizeof(rows[i].host));
    a.rows = rows;
    a.nrows = n;
    r = obp_acct_match(&a, ip);
    return r != NULL ? r->host : "-";
}

#define CHOSEN(ip, ...)                                                    \
    chosen((const char *const[]){ __VA_ARGS__ },                           \
           sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *), \
           ip)

int
main(void)
{
    tap_is_str(CHOSEN("127.0.0.1", "localhost", "127.0.0.1"), "127.0.0.1",
               "localhost is the unix socket, never a TCP client");
    tap_is_str(CHOSEN("127.0.0.1", "localhost"), "-",
               "localhost alone admits no TCP client");
    tap_is_str(CHOSEN("127.0.0.1", "%", "localhost"), "%",
               "'%' over localhost");
    tap_is_str(CHOSEN("127.0.0.2", "127.0.0.1", "127.0.0.%"), "127.0.0.%",
               "a pattern when the exact address is another");
    tap_is_str(CHOSEN("127.0.0.1", "127.0.0.%", "127.0.0.1"), "127.0.0.1",
               "the exact address over a pattern");
    tap_is_str(CHOSEN("127.0.0.1", "127.%", "127.0.0.%", "%"), "127.0.0.%",
               "the longer literal prefix first");
    tap_is_str(CHOSEN("127.0.0.1", "%", "%.0.0.1"), "%.0.0.1",
               "any pattern before '%'");
    tap_is_str(CHOSEN("127.0.0.1", "", "%"), "%", "'%' before ''");
    tap_is_str(CHOSEN("127.0.0.1", ""), "", "'' admits any host");
    tap_is_str(CHOSEN("127.0.0.1", "127.0.0._", "127.0.0.%"), "127.0.0._",
               "equal prefixes: the greater host, as the server sorts");
    tap_is_str(CHOSEN("127.0.0.12", "127.0.0._"), "-",
               "_ is exactly one character");
    tap_is_str(CHOSEN("127.0.0.1", "127.0.0.0/255.255.255.0", "127.%"),
               "127.0.0.0/255.255.255.0", "a netmask is exact");
    tap_is_str(CHOSEN("127.0.1.1", "127.0.0.0/255.255.255.0"), "-",
               "outside the netmask");
    tap_is_str(CHOSEN("127.0.0.1", "127.0.0.0/255.255.255.x"), "-",
               "a malformed netmask admits nobody");
    tap_is_str(CHOSEN("::ffff:10.1.2.3", "10.1.2.%"), "10.1.2.%",
               "an IPv4-mapped client matches IPv4 patterns");
    tap_is_str(CHOSEN("::1", "::1", "%"), "::1", "IPv6 exact");
    tap_is_str(CHOSEN("1x0.0.0.1", "1\\x0.0.0.1"), "1\\x0.0.0.1",
               "an escaped character is literal");
    tap_is_str(CHOSEN("127.0.0.1", "127\\_0.0.1"), "-",
               "an escaped _ is no wildcard");
    tap_is_str(CHOSEN("127.0.0.1", "db.example.com", "%"), "%",
               "host names are never resolved");
    tap_is_str(CHOSEN("10.0.0.1", "10.0.0.1", "10.0.0.10"), "10.0.0.1",
               "an exact address is no prefix");
    return tap_done();
}
