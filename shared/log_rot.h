/*
 * The rotated files of the logs in the log directory: NAME.YYYYMMDDhhmmss
 * and NAME.YYYYMMDDhhmmss.N, found with getdents64 (no allocation), and
 * their pruning by count (max_syslog_file_count, per log) and by bytes
 * (log_dir_size_threshold, all logs with the open files), oldest first.
 */
#ifndef OBP_SHARED_LOG_ROT_H
#define OBP_SHARED_LOG_ROT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_LOG_STAMP_LEN  14       /* YYYYMMDDhhmmss */
#define OBP_LOG_ROT_BASES  8        /* logs pruned together, at most */

/* The rotated files of one log. */
struct obp_log_rot {
    int64_t count;
    int64_t bytes;
    char    oldest[NAME_MAX + 1];
    char    newest[NAME_MAX + 1];
};

/* Scans the directory <dfd> for the rotated files of <base>. */
int obp_log_rot_scan(int dfd, const char *base, struct obp_log_rot *r);

/* The .N of rotated name <name> of a base <blen> long, 0 when none. */
long obp_log_rot_suffix(const char *name, size_t blen);

/*
 * Deletes the oldest rotated files of the logs <bases> (NULL-terminated)
 * while one has more than <max_count> (0: no bound) or all of them, with
 * <used> bytes of open files, take more than <max_bytes> (0: no bound).
 * OBP_ERROR with errno set and <failed> naming the file not deleted.
 */
int obp_log_rot_prune(int dfd, const char *const *bases, int64_t max_count,
                      int64_t max_bytes, int64_t used, char *failed,
                      size_t len);

#endif
