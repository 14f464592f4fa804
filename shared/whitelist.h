/*
 * A tenant's white_list ip_list (ODP-REFERENCE 13.1): addresses and
 * prefixes separated by ',', e.g. "127.0.0.1,10.0.0.0/8,::1,fd00::/8",
 * blanks around an entry ignored.  An entry without a prefix matches
 * that address; with /n the top n bits (0..32 for IPv4, 0..128 for
 * IPv6).  0.0.0.0 alone lets every client in, IPv6 ones too, as in ODP.
 * An IPv4 client on an IPv6 socket (::ffff:a.b.c.d) is matched as IPv4,
 * and so is such an entry.  An empty list lets no one in.
 */
#ifndef OBP_SHARED_WHITELIST_H
#define OBP_SHARED_WHITELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* OBP_OK, or OBP_ERROR with a phrase naming the bad entry in <err>. */
int obp_wl_check(const char *list, char *err, size_t errlen);

/* True when client address <sa> passes <list> (bad entries never do). */
bool obp_wl_allows(const char *list, const struct sockaddr *sa);

#endif
