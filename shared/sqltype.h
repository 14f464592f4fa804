/*
 * The statement type of a client request, as ODP names it in its metrics
 * (sqlType) and monitor logs: read from the first words of the text with
 * the SQL lexer, or from the command byte for commands without text.
 * Bounded (OBP_SQLTYPE_COUNT), so that per-type counters fit in fixed
 * arrays of the shared segment.
 */
#ifndef OBP_SHARED_SQLTYPE_H
#define OBP_SHARED_SQLTYPE_H

#include <stddef.h>
#include <stdint.h>

#define OBP_SQLTYPES(X)                                                      \
    X(OTHERS) X(SELECT) X(INSERT) X(UPDATE) X(DELETE) X(REPLACE)             \
    X(BEGIN) X(COMMIT) X(ROLLBACK) X(SET) X(SHOW) X(USE_DB) X(CALL)          \
    X(CREATE) X(DROP) X(ALTER) X(TRUNCATE) X(RENAME) X(GRANT) X(REVOKE)      \
    X(DESC) X(TEXT_PS_PREPARE) X(TEXT_PS_EXECUTE) X(TEXT_PS_DROP) X(HELP)

enum obp_sqltype {
#define OBP_SQLTYPE_ENUM(name) OBP_SQLTYPE_##name,
    OBP_SQLTYPES(OBP_SQLTYPE_ENUM)
#undef OBP_SQLTYPE_ENUM
    OBP_SQLTYPE_COUNT
};

/* ODP's name of <t>: "SELECT", "USE_DB"... */
const char *obp_sqltype_name(enum obp_sqltype t);

/*
 * The type of the statement <sql> (<len> bytes; <flags> as the lexer's),
 * from its first words after any opening parentheses: SELECT and WITH
 * are SELECT, START TRANSACTION, XA START and BEGIN are BEGIN, XA COMMIT
 * and XA ROLLBACK are COMMIT and ROLLBACK, DESCRIBE and EXPLAIN are DESC,
 * DEALLOCATE PREPARE and DROP PREPARE are TEXT_PS_DROP; anything unknown
 * is OTHERS.
 */
enum obp_sqltype obp_sqltype_of(const char *sql, size_t len, unsigned flags);

/* The type of a command without text: COM_INIT_DB is USE_DB, others OTHERS. */
enum obp_sqltype obp_sqltype_of_com(uint8_t com);

#endif
