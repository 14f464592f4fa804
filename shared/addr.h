/*
 * Server addresses: "ip:port" and "[ipv6]:port", numeric only (a worker
 * never resolves names: that would block its loop).
 */
#ifndef OBP_SHARED_ADDR_H
#define OBP_SHARED_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define OBP_ADDR_STRLEN 64      /* "[ffff:...:ffff]:65535" and a NUL */

struct obp_addr {
    struct sockaddr_storage sa;
    socklen_t               salen;
    char                    text[OBP_ADDR_STRLEN];  /* as ip:port */
};

/* Parses one "ip:port"; OBP_OK, or OBP_ERROR with a phrase in <err>. */
int obp_addr_parse(struct obp_addr *a, const char *s, char *err,
                   size_t errlen);

/* Fills <a> from a bound or peer address. */
void obp_addr_from_sa(struct obp_addr *a, const struct sockaddr *sa,
                      socklen_t salen);

/*
 * Parses a LIST value ("a;b", "a,b") into at most <max> addresses.
 * Returns the count, or OBP_ERROR with a phrase naming the bad item.
 */
int obp_addr_parse_list(const char *list, struct obp_addr *out, int max,
                        char *err, size_t errlen);

/*
 * A loopback or private address (RFC 1918, unique local, link local; an
 * IPv4 one mapped into IPv6 too): where ODP lets its admin log in from.
 */
bool obp_addr_private(const struct obp_addr *a);

#endif
