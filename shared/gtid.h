/*
 * Replication positions by GTID, for read-your-writes (router.h
 * "Roles"): the monitor reads each server's position every period
 * (MariaDB's @@global.gtid_current_pos, MySQL's @@global.gtid_executed),
 * keeps it in the segment (srvstate.h), and a replica serves a session's
 * reads after its write once its position covers the primary's as read
 * after that write.
 *
 * A position keeps, per source (a MariaDB replication domain, a MySQL
 * server uuid), the last transaction number and, for MySQL, the interval
 * that holds it:
 *
 *   MariaDB  "0-1-100,1-2-57"            domain-server_id-seq_no, ...
 *   MySQL    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11-47,\n
 *             c80aa942-...:1-3"           uuid:interval[:interval], ...
 *
 * Anything kept is exact; what does not fit (more than OBP_GTID_SRCS
 * sources, a MySQL tagged GTID) sets <cut>: a replica's position then
 * covers less than it could, which only keeps reads on the primary,
 * and a cut position never serves as the one to cover.
 */
#ifndef OBP_SHARED_GTID_H
#define OBP_SHARED_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_GTID_SRCS     8     /* sources a position keeps */
#define OBP_GTID_TEXT_MAX 16000 /* the longest text parsed (the probe
                                   reads no longer one) */

enum obp_gtid_kind {
    OBP_GTID_NONE = 0,          /* no GTIDs known */
    OBP_GTID_MARIADB,
    OBP_GTID_MYSQL
};

struct obp_gtid_src {
    uint8_t  id[16];            /* MySQL: the uuid; MariaDB: the domain,
                                   little-endian, in the first four */
    uint64_t lo;                /* MySQL: the interval holding <hi>;
                                   MariaDB: 0 */
    uint64_t hi;                /* the last transaction's number */
};

struct obp_gtid_set {
    uint8_t             kind;   /* enum obp_gtid_kind */
    uint8_t             n;      /* sources in src[] */
    uint8_t             cut;    /* the text held more than src[] */
    uint8_t             reserved[5];
    struct obp_gtid_src src[OBP_GTID_SRCS];
};

/*
 * Parses <len> bytes of <text>, a position of <kind>, into <out>.
 * OBP_ERROR (out kind NONE) when it is not one, or is longer than
 * OBP_GTID_TEXT_MAX; an empty position is kind NONE too (the server
 * keeps no GTIDs yet: nothing to compare).
 */
int obp_gtid_parse(struct obp_gtid_set *out, enum obp_gtid_kind kind,
                   const char *text, size_t len);

/*
 * Whether the position <have> (a replica's) holds every source's last
 * transaction of <want> (the primary's).  False when either is unknown,
 * they are of different kinds, or <want> is cut.
 */
bool obp_gtid_covers(const struct obp_gtid_set *have,
                     const struct obp_gtid_set *want);

/*
 * <s> as text into <buf> (always terminated): MariaDB's sources as
 * domain:seq_no ("0:100,1:57"), MySQL's as uuid:interval; ",..." when
 * it was cut or <len> is short; "" when nothing is known.
 */
void obp_gtid_format(const struct obp_gtid_set *s, char *buf, size_t len);

#endif
