/*
 * Small helpers every module needs: clocks, fd flags, bounded string copy.
 */
#ifndef OBP_SHARED_UTIL_H
#define OBP_SHARED_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in microseconds: for timeouts and back-off. */
int64_t obp_now_us(void);

/* Wall clock in microseconds since the epoch: for log lines. */
int64_t obp_wallclock_us(void);

/* O_NONBLOCK / FD_CLOEXEC on <fd>; OBP_OK or OBP_ERROR with errno set. */
int obp_fd_nonblock(int fd);
int obp_fd_cloexec(int fd, int on);

/*
 * Writes all of <buf> to a blocking fd (a file, a terminal), retrying
 * short writes and EINTR.  OBP_OK, or OBP_ERROR with errno set.
 */
int obp_write_all(int fd, const void *buf, size_t len);

/* Copies at most <size>-1 bytes and always terminates; returns strlen(src). */
size_t obp_strlcpy(char *dst, const char *src, size_t size);

/* Case-insensitive comparison of NUL-terminated ASCII strings. */
int obp_strcasecmp(const char *a, const char *b);

/* The value of the hex digit <c> (any case), or -1. */
int obp_hex_digit(char c);

/* Formats a phrase into <err> (<errlen> bytes) and returns OBP_ERROR. */
int obp_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* <s> without blanks (spaces, tabs) around it; cuts the string in place. */
char *obp_trim(char *s);

/* The root directory of the systemd unit and the init script. */
#define OBP_DEFAULT_ROOT "/var/lib/obproxy"

/*
 * obproxy's and obproxyctl's root when neither -d nor $OBPROXY_ROOT names
 * one: the working directory <cwd>, unless that is "/" (where init
 * systems, cron and sudo -i start programs), then OBP_DEFAULT_ROOT.
 */
const char *obp_root_default(const char *cwd);

#endif
