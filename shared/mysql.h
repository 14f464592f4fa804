/*
 * MySQL protocol constants: capability and status flags, commands, the
 * first byte of each generic response.  Values are the protocol's own
 * (see the MySQL and MariaDB client/server protocol documentation).
 */
#ifndef OBP_SHARED_MYSQL_H
#define OBP_SHARED_MYSQL_H

/* Capability flags (32 bits in the handshake). */
#define OBP_CLIENT_LONG_PASSWORD                  0x00000001u
#define OBP_CLIENT_FOUND_ROWS                     0x00000002u
#define OBP_CLIENT_LONG_FLAG                      0x00000004u
#define OBP_CLIENT_CONNECT_WITH_DB                0x00000008u
#define OBP_CLIENT_NO_SCHEMA                      0x00000010u
#define OBP_CLIENT_COMPRESS                       0x00000020u
#define OBP_CLIENT_ODBC                           0x00000040u
#define OBP_CLIENT_LOCAL_FILES                    0x00000080u
#define OBP_CLIENT_IGNORE_SPACE                   0x00000100u
#define OBP_CLIENT_PROTOCOL_41                    0x00000200u
#define OBP_CLIENT_INTERACTIVE                    0x00000400u
#define OBP_CLIENT_SSL                            0x00000800u
#define OBP_CLIENT_IGNORE_SIGPIPE                 0x00001000u
#define OBP_CLIENT_TRANSACTIONS                   0x00002000u
#define OBP_CLIENT_RESERVED                       0x00004000u
#define OBP_CLIENT_SECURE_CONNECTION              0x00008000u
#define OBP_CLIENT_MULTI_STATEMENTS               0x00010000u
#define OBP_CLIENT_MULTI_RESULTS                  0x00020000u
#define OBP_CLIENT_PS_MULTI_RESULTS               0x00040000u
#define OBP_CLIENT_PLUGIN_AUTH                    0x00080000u
#define OBP_CLIENT_CONNECT_ATTRS                  0x00100000u
#define OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA        0x00200000u
#define OBP_CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS   0x00400000u
#define OBP_CLIENT_SESSION_TRACK                  0x00800000u
#define OBP_CLIENT_DEPRECATE_EOF                  0x01000000u

/*
 * MariaDB's extended capabilities, bits 32 and up, sent in the last 4
 * bytes of the handshake's and the response's fillers when the sender
 * leaves out CLIENT_LONG_PASSWORD (MariaDB's "not MySQL" mark).
 */
#define OBP_MARIADB_CLIENT_PROGRESS               0x00000001u
#define OBP_MARIADB_CLIENT_COM_MULTI              0x00000002u
#define OBP_MARIADB_CLIENT_STMT_BULK_OPERATIONS   0x00000004u
#define OBP_MARIADB_CLIENT_EXTENDED_METADATA      0x00000008u
#define OBP_MARIADB_CLIENT_CACHE_METADATA         0x00000010u

/* Server status flags (OK and EOF packets). */
#define OBP_SERVER_STATUS_IN_TRANS                0x0001u
#define OBP_SERVER_STATUS_AUTOCOMMIT              0x0002u
#define OBP_SERVER_MORE_RESULTS_EXISTS            0x0008u
#define OBP_SERVER_STATUS_NO_GOOD_INDEX_USED      0x0010u
#define OBP_SERVER_STATUS_NO_INDEX_USED           0x0020u
#define OBP_SERVER_STATUS_CURSOR_EXISTS           0x0040u
#define OBP_SERVER_STATUS_LAST_ROW_SENT           0x0080u
#define OBP_SERVER_STATUS_DB_DROPPED              0x0100u
#define OBP_SERVER_STATUS_NO_BACKSLASH_ESCAPES    0x0200u
#define OBP_SERVER_STATUS_METADATA_CHANGED        0x0400u
#define OBP_SERVER_QUERY_WAS_SLOW                 0x0800u
#define OBP_SERVER_PS_OUT_PARAMS                  0x1000u
#define OBP_SERVER_STATUS_IN_TRANS_READONLY       0x2000u
#define OBP_SERVER_SESSION_STATE_CHANGED          0x4000u

/* Session-track entry types in an OK packet. */
#define OBP_SESSION_TRACK_SYSTEM_VARIABLES        0
#define OBP_SESSION_TRACK_SCHEMA                  1
#define OBP_SESSION_TRACK_STATE_CHANGE            2
#define OBP_SESSION_TRACK_GTIDS                   3
#define OBP_SESSION_TRACK_TRANSACTION_CHARACTERISTICS 4
#define OBP_SESSION_TRACK_TRANSACTION_STATE       5

/* Commands: the first payload byte of a client request. */
enum obp_com {
    OBP_COM_SLEEP = 0x00,
    OBP_COM_QUIT = 0x01,
    OBP_COM_INIT_DB = 0x02,
    OBP_COM_QUERY = 0x03,
    OBP_COM_FIELD_LIST = 0x04,
    OBP_COM_CREATE_DB = 0x05,
    OBP_COM_DROP_DB = 0x06,
    OBP_COM_REFRESH = 0x07,
    OBP_COM_SHUTDOWN = 0x08,
    OBP_COM_STATISTICS = 0x09,
    OBP_COM_PROCESS_INFO = 0x0a,
    OBP_COM_CONNECT = 0x0b,
    OBP_COM_PROCESS_KILL = 0x0c,
    OBP_COM_DEBUG = 0x0d,
    OBP_COM_PING = 0x0e,
    OBP_COM_TIME = 0x0f,
    OBP_COM_DELAYED_INSERT = 0x10,
    OBP_COM_CHANGE_USER = 0x11,
    OBP_COM_BINLOG_DUMP = 0x12,
    OBP_COM_TABLE_DUMP = 0x13,
    OBP_COM_CONNECT_OUT = 0x14,
    OBP_COM_REGISTER_SLAVE = 0x15,
    OBP_COM_STMT_PREPARE = 0x16,
    OBP_COM_STMT_EXECUTE = 0x17,
    OBP_COM_STMT_SEND_LONG_DATA = 0x18,
    OBP_COM_STMT_CLOSE = 0x19,
    OBP_COM_STMT_RESET = 0x1a,
    OBP_COM_SET_OPTION = 0x1b,
    OBP_COM_STMT_FETCH = 0x1c,
    OBP_COM_DAEMON = 0x1d,
    OBP_COM_BINLOG_DUMP_GTID = 0x1e,
    OBP_COM_RESET_CONNECTION = 0x1f
};

/* Column types and flags of a column definition (the few the proxy reads). */
#define OBP_TYPE_DECIMAL    0
#define OBP_TYPE_FLOAT      4
#define OBP_TYPE_DOUBLE     5
#define OBP_TYPE_NULL       6
#define OBP_TYPE_TIMESTAMP  7
#define OBP_TYPE_LONGLONG   8
#define OBP_TYPE_VAR_STRING 253
#define OBP_TYPE_NEWDECIMAL 246
#define OBP_FLAG_NOT_NULL   0x0001u
#define OBP_FLAG_UNSIGNED   0x0020u
#define OBP_FLAG_BINARY     0x0080u

/* The collation of binary data, and numbers' in a column definition. */
#define OBP_BINARY_CHARSET  63

/* MariaDB's COM_STMT_BULK_EXECUTE: the statement id follows, as usual. */
#define OBP_COM_STMT_BULK_EXECUTE 0xfa

/* The first payload byte of generic server responses. */
#define OBP_PKT_OK          0x00
#define OBP_PKT_LOCAL_INFILE 0xfb
#define OBP_PKT_EOF         0xfe    /* also the auth switch request */
#define OBP_PKT_ERR         0xff
#define OBP_PKT_AUTH_MORE   0x01

#define OBP_SCRAMBLE_LEN    20
#define OBP_NATIVE_PLUGIN   "mysql_native_password"

/* Character set of the proxy's handshake: utf8mb4_general_ci. */
#define OBP_DEFAULT_CHARSET 45

#endif
